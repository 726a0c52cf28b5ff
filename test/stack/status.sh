#!/usr/bin/env bash
# Report the stack's health. Exit 0 when every selected service is up.
#
#   test/stack/status.sh              kafka es flink prometheus (alertmanager/rsyslog are listed if running)
#   test/stack/status.sh rsyslog ...  only those named
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

read -r -a services <<<"$(select_services "$@")"
declare -A endpoint=(
  [kafka]="$KAFKA_BOOTSTRAP" [es]="$ES_URL" [flink]="$FLINK_URL"
  [prometheus]="$PROM_URL" [alertmanager]="$AM_URL" [rsyslog]="kafka flink-logs -> es"
)
declare -A procs=(
  [kafka]=kafka [es]=es [flink]="flink-jobmanager flink-taskmanager"
  [prometheus]=prometheus [alertmanager]=alertmanager [rsyslog]=rsyslog
)

# status.sh with no arguments also shows optional services that happen to be running
if (($# == 0)); then
  for s in alertmanager rsyslog; do proc_alive "$s" && services+=("$s"); done
fi

rc=0
for s in "${services[@]}"; do
  pids=()
  for p in ${procs[$s]}; do pids+=("$p=$(proc_pid "$p" || echo -)"); done
  if "${s}_healthy"; then state=UP; else state=DOWN; rc=1; fi
  printf '%-13s %-5s %-28s %s\n' "$s" "$state" "${endpoint[$s]}" "${pids[*]}"
done
exit $rc
