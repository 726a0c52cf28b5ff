#!/usr/bin/env bash
# End-to-end check of a running stack, the same steps as the manual verification in README.md:
# jar upload/run over REST, counts on the output topic, checkpoints, TaskManager JSON logs in flink-logs
# with the job id, poison record -> RESTARTING -> FAILED with the exception in /exceptions, resubmit from
# the latest retained checkpoint with counters continuing, cancel keeping the checkpoint, ES and
# Prometheus health.
#
#   test/stack/up.sh && test/stack/smoke.sh
#
# Uses its own topics/consumer group/job name (suffix = random id), so it does not disturb other users
# of the stack; removes its topics and jar at the end. Needs node (JSON parsing) and curl.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RID=$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
IN=fw-smoke-in-$RID
OUT=fw-smoke-out-$RID
NAME=fw-smoke-$RID
passed=0
failed=0
JAR_ID=
JOB=

ok() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "not ok - $*"; }
# jq-like: jget 'expr' <json — evaluates a JS expression on `d` (the parsed JSON); prints strings raw
jget() { node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>{const d=JSON.parse(s);const v=eval(process.argv[1]);console.log(typeof v==="string"?v:JSON.stringify(v))})' "$1"; }
job_state() { curl -fsS -m 5 "$FLINK_URL/jobs/$1/status" | jget d.status; }
# wait_until TIMEOUT_S CMD... — poll every 0.5 s
wait_until() {
  local t=$1; shift
  local end=$((SECONDS + t))
  until "$@" 2>/dev/null; do ((SECONDS < end)) || return 1; sleep 0.5; done
}
state_is() { [[ $(job_state "$1") == "$2" ]]; }
output_has() { kafka_tool consume "$OUT" 100000 2000 2>/dev/null | grep -qx "$1"; }

cleanup() {
  [[ -z $JOB ]] || curl -fsS -m 5 -X PATCH "$FLINK_URL/jobs/$JOB?mode=cancel" >/dev/null 2>&1 || true
  [[ -z $JAR_ID ]] || curl -fsS -m 5 -X DELETE "$FLINK_URL/jars/$JAR_ID" >/dev/null 2>&1 || true
  kafka_tool delete-topics "$IN" "$OUT" >/dev/null 2>&1 || true
}
trap cleanup EXIT

"$STACK_SRC/status.sh" kafka es flink prometheus >/dev/null || die "stack not up: run test/stack/up.sh"

# 1. upload + run
kafka_tool ensure-topics "$IN:1" "$OUT:1" 2>/dev/null
up=$(curl -fsS -X POST -F "jarfile=@$FLINK_JOB_JAR" "$FLINK_URL/jars/upload")
# the jar id is the basename of "filename" (there is no id field)
JAR_ID=$(jget 'd.filename.split("/").pop()' <<<"$up")
[[ $(jget d.status <<<"$up") == success ]] && ok "jar uploaded ($JAR_ID)" || fail "jar upload: $up"
args=(--input "$IN" --output "$OUT" --group "$NAME" --name "$NAME")
run_body() { node -e 'const [sp,...a]=process.argv.slice(1);const b={programArgsList:a};if(sp)b.savepointPath=sp;console.log(JSON.stringify(b))' "$@"; }
JOB=$(curl -fsS -X POST -H 'Content-Type: application/json' -d "$(run_body "" "${args[@]}")" \
  "$FLINK_URL/jars/$JAR_ID/run" | jget d.jobid)
wait_until 60 state_is "$JOB" RUNNING && ok "job $JOB RUNNING" || fail "job $JOB not RUNNING: $(job_state "$JOB")"

# 2. records -> counts
printf 'a,tok-%s-1\nb,tok-%s-2\na,tok-%s-3\n' "$RID" "$RID" "$RID" | kafka_tool produce "$IN" 2>/dev/null
wait_until 60 output_has a,2 && ok "counts on $OUT (a,2)" || fail "no a,2 on $OUT"

# 3. checkpoints complete and are retained
has_checkpoint() { [[ $(curl -fsS "$FLINK_URL/jobs/$JOB/checkpoints" | jget 'd.counts.completed') -ge 2 ]]; }
wait_until 30 has_checkpoint && ok "completed checkpoints" || fail "no completed checkpoints"

# 4. TaskManager log line in flink-logs as JSON with the job id
log_line_found() {
  kafka_tool consume-json flink-logs 1000000 4000 2>/dev/null | grep -F "token=tok-$RID-3" | head -1 |
    jget 'JSON.parse(d.value)["flink.job.id"]' | grep -qx "$JOB"
}
wait_until 30 log_line_found && ok "JSON log line with flink.job.id in flink-logs" || fail "log line not in flink-logs"

# 5. poison -> RESTARTING -> FAILED, exception visible
echo poison | kafka_tool produce "$IN" 2>/dev/null
wait_until 60 state_is "$JOB" FAILED && ok "poison record -> FAILED" || fail "not FAILED: $(job_state "$JOB")"
restarting_ts=$(curl -fsS "$FLINK_URL/jobs/$JOB" | jget 'd.timestamps.RESTARTING')
((restarting_ts > 0)) && ok "went through RESTARTING (timestamps.RESTARTING=$restarting_ts)" || fail "never RESTARTING"
curl -fsS "$FLINK_URL/jobs/$JOB/exceptions" | grep -q 'poison record' &&
  ok "exception history has the poison record" || fail "poison record not in /exceptions"

# 6. resubmit from the latest retained checkpoint ("fixed" job skips the poison), counters continue
cp_path=$(curl -fsS "$FLINK_URL/jobs/$JOB/checkpoints" | jget 'd.latest.completed.external_path')
JOB=$(curl -fsS -X POST -H 'Content-Type: application/json' \
  -d "$(run_body "$cp_path" "${args[@]}" --poison skip)" "$FLINK_URL/jars/$JAR_ID/run" | jget d.jobid)
wait_until 60 state_is "$JOB" RUNNING && ok "resubmitted from $cp_path" || fail "resubmit not RUNNING"
printf 'a,tok-%s-4\n' "$RID" | kafka_tool produce "$IN" 2>/dev/null
wait_until 60 output_has a,3 && ok "counter continued after restore (a,3)" || fail "no a,3 after restore"
restored=$(curl -fsS "$FLINK_URL/jobs/$JOB/checkpoints" | jget 'd.latest.restored && d.latest.restored.external_path')
[[ $restored == "$cp_path" ]] && ok "latest.restored.external_path matches" || fail "restored=$restored"

# 7. cancel keeps the externalized checkpoint
wait_until 30 has_checkpoint || true
curl -fsS -X PATCH "$FLINK_URL/jobs/$JOB?mode=cancel" >/dev/null
wait_until 30 state_is "$JOB" CANCELED && ok "cancelled" || fail "not CANCELED"
ls -d "$FLINK_HOME/checkpoints/$JOB"/chk-* >/dev/null 2>&1 && ok "checkpoint retained on cancel" ||
  fail "no retained checkpoint under $FLINK_HOME/checkpoints/$JOB"
JOB=

# 8. the other services
[[ $(es_health_status) =~ ^(green|yellow)$ ]] && ok "elasticsearch $(es_health_status)" || fail "elasticsearch health"
http_ok "$PROM_URL/-/ready" && ok "prometheus ready" || fail "prometheus not ready"

echo "smoke: $passed passed, $failed failed"
((failed == 0))
