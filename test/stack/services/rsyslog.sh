# shellcheck shell=bash
# rsyslog peer (Debian packages rsyslog, rsyslog-kafka, rsyslog-elasticsearch): consumes topic flink-logs
# with imkafka and bulk-indexes the JSON lines into Elasticsearch index flink-logs-rsyslog, as a reference
# pipeline to compare flinkwatch's own shipper with. Started only when named explicitly: up.sh rsyslog

RSYSLOG_HOME=$STACK_DIR/rsyslog
RSYSLOG_BIN=${FW_STACK_RSYSLOGD_BIN:-/usr/sbin/rsyslogd}
RSYSLOG_INDEX=${FW_STACK_RSYSLOG_INDEX:-flink-logs-rsyslog}
RSYSLOG_GROUP=${FW_STACK_RSYSLOG_GROUP:-rsyslog-es}

rsyslog_install() {
  if [[ ! -x $RSYSLOG_BIN || ! -f /usr/lib/x86_64-linux-gnu/rsyslog/imkafka.so && ! -f /usr/lib/rsyslog/imkafka.so ]]; then
    "$STACK_SRC/install-deps.sh" rsyslog
  fi
}

rsyslog_configure() {
  mkdir -p "$RSYSLOG_HOME/state"
  # Own config file: Debian's /etc/rsyslog.conf would load imuxsock/imklog and write to /var/log.
  cat >"$RSYSLOG_HOME/rsyslog.conf" <<EOF
# maxMessageSize: the 8k default truncates stack traces (and must be set before any input)
global(workDirectory="$RSYSLOG_HOME/state" maxMessageSize="256k")
module(load="impstats" interval="5" format="json" log.syslog="off" log.file="$RSYSLOG_HOME/impstats.json" resetCounters="on")
module(load="imkafka")
module(load="mmjsonparse")
module(load="omelasticsearch")

template(name="esdoc" type="list") { property(name="\$!all-json") }

ruleset(name="kafka2es" queue.type="LinkedList" queue.size="200000"
        queue.dequeueBatchSize="2000" queue.workerThreads="2") {
  # imkafka hands over the raw record value; cookie="" = plain JSON without the "@cee:" prefix
  action(type="mmjsonparse" cookie="" useRawMsg="on")
  if \$parsesuccess == "OK" then {
    # esVersion.major=8: otherwise omelasticsearch adds "_type" to bulk metadata, which ES 8 rejects
    action(type="omelasticsearch" server="127.0.0.1" serverport="$ES_PORT"
           searchIndex="$RSYSLOG_INDEX" esVersion.major="8"
           template="esdoc" bulkmode="on" maxbytes="50m"
           errorFile="$RSYSLOG_HOME/es-errors.json"
           action.resumeRetryCount="-1")
  } else {
    action(type="omfile" file="$RSYSLOG_HOME/unparsed.log")
  }
}

input(type="imkafka" topic="flink-logs" broker=["$KAFKA_BOOTSTRAP"]
      consumerGroup="$RSYSLOG_GROUP" ruleset="kafka2es"
      confParam=["fetch.wait.max.ms=50"])
EOF
  "$RSYSLOG_BIN" -N1 -f "$RSYSLOG_HOME/rsyslog.conf" >>"$LOG_DIR/rsyslog.log" 2>&1 ||
    { tail -n 20 "$LOG_DIR/rsyslog.log" >&2; die "rsyslog: config check failed"; }
}

rsyslog_start() {
  proc_alive rsyslog && return 0
  port_listening "$KAFKA_PORT" || log "rsyslog: WARNING: Kafka is not up"
  port_listening "$ES_PORT" || log "rsyslog: WARNING: Elasticsearch is not up"
  # -n: foreground (we manage the pid); its own pid file goes elsewhere so the two never clash
  start_proc rsyslog "$LOG_DIR/rsyslog.log" "$RSYSLOG_BIN" -n -f "$RSYSLOG_HOME/rsyslog.conf" \
    -i "$RSYSLOG_HOME/rsyslogd.pid"
}

# no port to probe: a process that has stayed up for 2 s counts as up (the config was validated with -N1)
rsyslog_healthy() {
  local pid
  pid=$(proc_pid rsyslog) || return 1
  (($(ps -o etimes= -p "$pid") >= 2))
}
rsyslog_wait() { wait_for rsyslog 30 "process to stay up" rsyslog_healthy; }
rsyslog_post_start() { :; }
rsyslog_stop() { stop_proc rsyslog 30; }
