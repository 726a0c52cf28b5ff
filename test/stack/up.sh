#!/usr/bin/env bash
# Start the test stack (or the named services) as plain processes on 127.0.0.1.
#
#   test/stack/up.sh                      kafka es flink prometheus
#   test/stack/up.sh kafka flink          only those
#   test/stack/up.sh alertmanager rsyslog the optional ones are started only when named (or with "all")
#
# Idempotent: healthy services are left alone, so a second run returns in about a second. Services start
# one after another, each waited for until healthy (2 cores: parallel JVM starts only slow each other down).
# Downloads are cached in the Maven local repository (~/.m2) and the extracted trees under .stack/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

read -r -a services <<<"$(select_services "$@")"
mkdir -p "$STACK_DIR" "$RUN_DIR" "$LOG_DIR"
# .stack/ ignores itself, so nothing under it can be committed by accident
[[ -f $STACK_DIR/.gitignore ]] || echo '*' >"$STACK_DIR/.gitignore"

# the JDK/Maven/curl baseline; a no-op (one dpkg-query) when present
command -v java >/dev/null && command -v mvn >/dev/null && command -v curl >/dev/null &&
  command -v unzip >/dev/null || "$STACK_SRC/install-deps.sh" base

t0=$SECONDS
for s in "${services[@]}"; do
  if "${s}_healthy"; then
    log "$s: already up"
    continue
  fi
  ts=$SECONDS
  "${s}_install"
  "${s}_configure"
  "${s}_start"
  "${s}_wait" || die "$s: failed to start (logs in ${LOG_DIR#"$ROOT_DIR"/}/)"
  "${s}_post_start"
  log "$s: up ($((SECONDS - ts))s)"
done

for s in "${services[@]}"; do
  [[ $s == flink ]] && flink_build_test_job
done

log "stack up: ${services[*]} ($((SECONDS - t0))s)"
