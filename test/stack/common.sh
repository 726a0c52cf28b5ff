# shellcheck shell=bash
# Shared settings and helpers for the test-stack scripts (sourced, not executed).
#
# Every service runs as a plain process on 127.0.0.1. Runtime state lives in $STACK_DIR (.stack/ in the
# project root, git-ignored): downloads, configs, data, logs (.stack/logs/<service>.log) and pid files
# (.stack/run/<process>.pid). Each process is started as the leader of its own session/process group so
# that stopping it also stops its children (the Elasticsearch CLI launcher forks the real server JVM).

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STACK_SRC=$ROOT_DIR/test/stack
STACK_DIR=${FW_STACK_DIR:-$ROOT_DIR/.stack}
RUN_DIR=$STACK_DIR/run
LOG_DIR=$STACK_DIR/logs

# ---- versions (passed to the POMs as -D properties; the POMs' own values are only defaults) -------------------------------------
KAFKA_VERSION=3.9.2
ES_VERSION=8.19.21
FLINK_VERSION=1.20.3
FLINK_KAFKA_CONNECTOR_VERSION=3.4.0-1.20
LOG4J_VERSION=2.24.3

# ---- ports (all bound to 127.0.0.1) ------------------------------------------------------------------
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
ES_PORT=9200
ES_TRANSPORT_PORT=9300
FLINK_RPC_PORT=6123
FLINK_REST_PORT=8081
PROM_PORT=9090
# 9093 is taken by the Kafka controller, hence not Alertmanager's default
AM_PORT=9095
FLINKWATCH_TEST_TARGET=127.0.0.1:18080

KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT
ES_URL=http://127.0.0.1:$ES_PORT
FLINK_URL=http://127.0.0.1:$FLINK_REST_PORT
PROM_URL=http://127.0.0.1:$PROM_PORT
AM_URL=http://127.0.0.1:$AM_PORT

# Elasticsearch refuses to run as root; this system user runs it when the scripts run as root.
ES_USER=${FW_STACK_ES_USER:-fwstack}

MVN_DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1
# -B: no colour codes/progress in logs; quiet unless something fails
MVN=(mvn -B -q --no-transfer-progress -Dstyle.color=never)
# FW_STACK_MAVEN_REPO: use another local repository (e.g. a CI cache directory) instead of ~/.m2/repository
[[ -z ${FW_STACK_MAVEN_REPO:-} ]] || MVN+=("-Dmaven.repo.local=$FW_STACK_MAVEN_REPO")

if [[ -z ${JAVA_HOME:-} ]]; then
  if command -v java >/dev/null 2>&1; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  fi
fi
export JAVA_HOME
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

# ---- output ------------------------------------------------------------------------------------------
log() { printf '[stack %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---- process management ------------------------------------------------------------------------------
pid_file() { echo "$RUN_DIR/$1.pid"; }

# pid of a managed process if it is alive, else nothing (and non-zero status)
proc_pid() {
  local f pid
  f=$(pid_file "$1")
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

proc_alive() { proc_pid "$1" >/dev/null; }

# start_proc NAME LOGFILE CMD...  — run CMD detached in its own session, stdout+stderr appended to LOGFILE.
# The pid is written by the child itself (bash -c 'echo $$; exec ...'), so it is exact even if setsid forks.
start_proc() {
  local name=$1 logfile=$2; shift 2
  local pf
  pf=$(pid_file "$name")
  mkdir -p "$RUN_DIR" "$(dirname "$logfile")"
  rm -f "$pf"
  printf '\n===== %s start %s =====\n' "$name" "$(date -Is)" >>"$logfile"
  # shellcheck disable=SC2016
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pf" "$@" >>"$logfile" 2>&1 </dev/null &
  local i
  for i in $(seq 1 50); do [[ -s $pf ]] && return 0; sleep 0.1; done
  die "$name: no pid file after start"
}

# stop_proc NAME [TIMEOUT_S] — SIGTERM the process group, escalate to SIGKILL after TIMEOUT_S.
stop_proc() {
  local name=$1 timeout=${2:-30} pid i
  if ! pid=$(proc_pid "$name"); then
    rm -f "$(pid_file "$name")"
    return 0
  fi
  log "$name: stopping (pid $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    # the group is gone when no process has it as pgid any more
    pgrep -g "$pid" >/dev/null 2>&1 || kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if pgrep -g "$pid" >/dev/null 2>&1 || kill -0 "$pid" 2>/dev/null; then
    log "$name: still alive after ${timeout}s, sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$(pid_file "$name")"
}

# ---- readiness ---------------------------------------------------------------------------------------
port_listening() { [[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]]; }

http_ok() { curl -fsS -m 3 -o /dev/null "$1" 2>/dev/null; }

# show the end of a process's logs (log4j file and raw stdout/stderr, whichever exist)
tail_logs() {
  local f
  for f in "$LOG_DIR/$1.log" "$LOG_DIR/$1.out"; do
    [[ -f $f ]] || continue
    echo "--- $f" >&2
    tail -n 30 "$f" >&2
  done
}

# wait_for NAME TIMEOUT_S DESCRIPTION CMD... — poll CMD until it succeeds; fail early if process NAME died.
wait_for() {
  local name=$1 timeout=$2 what=$3; shift 3
  local start=$SECONDS
  until "$@"; do
    if ! proc_alive "$name"; then
      log "$name: process exited while waiting for $what; last log lines:"
      tail_logs "$name"
      return 1
    fi
    if ((SECONDS - start >= timeout)); then
      log "$name: timed out after ${timeout}s waiting for $what; last log lines:"
      tail_logs "$name"
      return 1
    fi
    sleep 0.5
  done
}

# refuse to start on a port some other program holds: a silent bind failure is much harder to diagnose
require_free_port() {
  local name=$1 port=$2
  if port_listening "$port"; then
    die "$name: port $port is already in use by another process ($(ss -Hltnp "sport = :$port" | head -1))"
  fi
}

# mvn_run ARGS... — Maven with its output in .stack/logs/maven.log (shown only when it fails)
mvn_run() {
  mkdir -p "$LOG_DIR"
  printf '\n===== mvn %s (%s)\n' "$*" "$(date -Is)" >>"$LOG_DIR/maven.log"
  if ! "${MVN[@]}" "$@" >>"$LOG_DIR/maven.log" 2>&1; then
    tail -n 40 "$LOG_DIR/maven.log" >&2
    die "mvn failed (full output in ${LOG_DIR#"$ROOT_DIR"/}/maven.log)"
  fi
}

# ---- caching -----------------------------------------------------------------------------------------

# copy_deps POM OUTDIR [-Dprop=value...] — resolve a resolve-only POM's runtime classpath into OUTDIR.
# Cached: redone only when the POM or the properties (the versions from this file) change.
copy_deps() {
  local pom=$1 out=$2 stamp
  shift 2
  stamp=$( (cat "$pom"; echo "$@") | sha256sum | cut -c1-16)
  if [[ -f $out/.stamp && $(<"$out/.stamp") == "$stamp" ]]; then return 0; fi
  log "resolving $(realpath --relative-to="$ROOT_DIR" "$pom") into ${out#"$ROOT_DIR"/} (Maven local repo is the cache)"
  rm -rf "$out.tmp"
  mvn_run -f "$pom" "$MVN_DEP_PLUGIN:copy-dependencies" -DincludeScope=runtime -DoutputDirectory="$out.tmp" "$@"
  rm -rf "$out"
  mv "$out.tmp" "$out"
  echo "$stamp" >"$out/.stamp"
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# Elasticsearch must not run as root: make sure the unprivileged user exists
ensure_es_user() {
  is_root || return 0
  id "$ES_USER" >/dev/null 2>&1 && return 0
  log "creating system user $ES_USER (Elasticsearch refuses to run as root)"
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --user-group "$ES_USER"
}

# ---- service selection -------------------------------------------------------------------------------
DEFAULT_SERVICES=(kafka es flink prometheus)
ALL_SERVICES=(kafka es flink prometheus alertmanager rsyslog)

valid_service() {
  local s
  for s in "${ALL_SERVICES[@]}"; do [[ $s == "$1" ]] && return 0; done
  return 1
}

# order the requested services by ALL_SERVICES (start order); validate names
select_services() {
  local req=("$@") s r out=()
  ((${#req[@]})) || req=("${DEFAULT_SERVICES[@]}")
  for r in "${req[@]}"; do
    [[ $r == all ]] && { req=("${ALL_SERVICES[@]}"); break; }
    valid_service "$r" || die "unknown service '$r' (known: ${ALL_SERVICES[*]}, all)"
  done
  for s in "${ALL_SERVICES[@]}"; do
    for r in "${req[@]}"; do [[ $r == "$s" ]] && { out+=("$s"); break; }; done
  done
  echo "${out[@]}"
}

for _svc in "$STACK_SRC"/services/*.sh; do
  # shellcheck source=/dev/null
  source "$_svc"
done
unset _svc
