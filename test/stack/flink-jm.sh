#!/usr/bin/env bash
# Stop/start only the Flink JobManager (the TaskManager keeps running and re-registers), e.g. to test how
# flinkwatch handles a JobManager outage. The session cluster has no HA: jobs are gone after a restart.
#
#   test/stack/flink-jm.sh stop|start|restart|status
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

case ${1:-} in
  stop)
    stop_proc flink-jobmanager 30
    ;;
  start)
    if ! flink_jm_healthy; then
      flink_configure
      proc_alive flink-jobmanager || flink_jm_start
      flink_jm_wait
    fi
    # the TaskManager retries the registration on its own; wait so callers get a usable cluster
    flink_tm_wait
    log "flink-jobmanager: up"
    ;;
  restart)
    "$0" stop
    "$0" start
    ;;
  status)
    flink_jm_healthy && echo UP || { echo DOWN; exit 1; }
    ;;
  *)
    echo "usage: $0 stop|start|restart|status" >&2
    exit 2
    ;;
esac
