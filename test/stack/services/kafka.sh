# shellcheck shell=bash
# Kafka 3.9 in KRaft mode (combined broker+controller), jars from Maven Central (test/stack/kafka/pom.xml).

KAFKA_HOME=$STACK_DIR/kafka
# topics the stack guarantees: TaskManager logs (3 partitions, like a real multi-TM cluster) + test job I/O
KAFKA_TOPICS=(flink-logs:3 fw-input:1 fw-output:1)

kafka_java_cp() { echo "$KAFKA_HOME/libs/*"; }

kafka_install() {
  copy_deps "$STACK_SRC/kafka/pom.xml" "$KAFKA_HOME/libs" -Dkafka.version="$KAFKA_VERSION"
}

kafka_configure() {
  mkdir -p "$KAFKA_HOME/data"
  # Java properties: comments only on their own lines (a trailing "# ..." would become part of the value)
  cat >"$KAFKA_HOME/server.properties" <<EOF
process.roles=broker,controller
node.id=1
# static quorum: plain "StorageTool format" works without --standalone/--initial-controllers
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_HOME/data
num.partitions=1
# single broker: every internal topic must live with replication factor 1
offsets.topic.replication.factor=1
# 50 offsets partitions (the default) cost seconds of startup work on a 2-core box for nothing
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
EOF
  # stdout only: the process output already goes to .stack/logs/kafka.log
  cat >"$KAFKA_HOME/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
EOF
}

kafka_jvm_opts() {
  echo "-Xms512m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true" \
    "-Dlog4j.configuration=file:$KAFKA_HOME/log4j.properties -Dkafka.logs.dir=$LOG_DIR"
}

# format the KRaft metadata log once; the cluster id is kept so data survives restarts
kafka_format() {
  [[ -f $KAFKA_HOME/data/meta.properties ]] && return 0
  local cid
  if [[ -s $KAFKA_HOME/cluster.id ]]; then
    cid=$(<"$KAFKA_HOME/cluster.id")
  else
    # what StorageTool random-uuid prints (16 random bytes, base64url, no padding) without a JVM start;
    # Kafka rejects ids starting with '-'
    cid=-
    while [[ $cid == -* ]]; do cid=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='); done
    echo "$cid" >"$KAFKA_HOME/cluster.id"
  fi
  log "kafka: formatting storage (cluster id $cid)"
  # shellcheck disable=SC2046
  "$JAVA" $(kafka_jvm_opts) -cp "$(kafka_java_cp)" kafka.tools.StorageTool format \
    -t "$cid" -c "$KAFKA_HOME/server.properties" --ignore-formatted >>"$LOG_DIR/kafka.log" 2>&1
}

kafka_start() {
  proc_alive kafka && return 0
  require_free_port kafka "$KAFKA_PORT"
  require_free_port kafka "$KAFKA_CONTROLLER_PORT"
  kafka_format
  # shellcheck disable=SC2046
  start_proc kafka "$LOG_DIR/kafka.log" "$JAVA" $(kafka_jvm_opts) -cp "$(kafka_java_cp)" \
    kafka.Kafka "$KAFKA_HOME/server.properties"
}

kafka_healthy() { proc_alive kafka && port_listening "$KAFKA_PORT"; }

kafka_wait() { wait_for kafka 120 "port $KAFKA_PORT" port_listening "$KAFKA_PORT"; }

# the topic step doubles as the real readiness check (AdminClient round trip through the broker)
kafka_post_start() {
  kafka_tool ensure-topics "${KAFKA_TOPICS[@]}"
}

kafka_stop() { stop_proc kafka 60; }

# kafka_tool CMD ARGS... — small AdminClient/producer/consumer helper (test/stack/tools/StackKafka.java)
kafka_tool() {
  local l4j=$KAFKA_HOME/tools-log4j.properties
  [[ -f $l4j ]] || printf '%s\n' 'log4j.rootLogger=WARN, stderr' \
    'log4j.appender.stderr=org.apache.log4j.ConsoleAppender' 'log4j.appender.stderr.Target=System.err' \
    'log4j.appender.stderr.layout=org.apache.log4j.PatternLayout' \
    'log4j.appender.stderr.layout.ConversionPattern=%p %m (%c)%n' >"$l4j"
  # compiled once into .stack/ (the source launcher would recompile on every call: +1-2 s each)
  local src=$STACK_SRC/tools/StackKafka.java cls=$KAFKA_HOME/tools
  if [[ ! -f $cls/StackKafka.class || $src -nt $cls/StackKafka.class ]]; then
    rm -rf "$cls.tmp"
    "$JAVA_HOME/bin/javac" -nowarn -d "$cls.tmp" -cp "$(kafka_java_cp)" "$src"
    rm -rf "$cls"
    mv "$cls.tmp" "$cls"
  fi
  "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j.configuration="file:$l4j" \
    -cp "$cls:$(kafka_java_cp)" StackKafka --bootstrap "$KAFKA_BOOTSTRAP" "$@"
}
