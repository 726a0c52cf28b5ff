#!/usr/bin/env bash
# Stop the test stack (default: every service that is running), in reverse start order.
#
#   test/stack/down.sh            all services
#   test/stack/down.sh flink      only those named
#   test/stack/down.sh --purge    also delete .stack/ state (data, logs, configs; downloads are kept)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

purge=
args=()
for a in "$@"; do
  case $a in
    --purge) purge=1 ;;
    *) args+=("$a") ;;
  esac
done
((${#args[@]})) || args=(all)
read -r -a services <<<"$(select_services "${args[@]}")"

for ((i = ${#services[@]} - 1; i >= 0; i--)); do
  "${services[i]}_stop"
done

if [[ -n $purge ]]; then
  # keep what is expensive to fetch again: jars/zips (also in ~/.m2) and the extracted ES tree
  log "purging runtime state under ${STACK_DIR#"$ROOT_DIR"/}"
  rm -rf "$STACK_DIR"/{kafka/data,kafka/cluster.id,es,flink/checkpoints,flink/savepoints,flink/tmp,flink/web-upload,prom,am,rsyslog,logs,run,jobs}
fi
log "stack down: ${services[*]}"
