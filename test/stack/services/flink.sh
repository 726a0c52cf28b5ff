# shellcheck shell=bash
# Flink 1.20 standalone session cluster (1 JobManager + 1 TaskManager with 2 slots) from Maven Central jars.
# flink-dist is not published to Central, so lib/ is assembled from the modules (test/stack/flink/pom.xml)
# and the JVMs are launched directly instead of through Flink's bin/ scripts.

FLINK_HOME=$STACK_DIR/flink
FLINK_TM_ID=local-tm-1
FLINK_CLUSTER_NAME=local
FLINK_JOB_SRC=$ROOT_DIR/test/fixtures/flink-test-job
FLINK_JOB_JAR=$STACK_DIR/jobs/flink-test-job.jar
FLINK_VERSION_PROPS=(-Dflink.version="$FLINK_VERSION" -Dflink.kafka.connector.version="$FLINK_KAFKA_CONNECTOR_VERSION"
  -Dlog4j.version="$LOG4J_VERSION")

# What Flink's own config.yaml passes via env.java.opts.all "for Java 17 support" (Kryo, Pekko, the
# Janino/javac-based code generation and the Kerberos utils use JDK internals).
FLINK_JAVA17_OPTS="-XX:+IgnoreUnrecognizedVMOptions \
--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED \
--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED \
--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED \
--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED \
--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED \
--add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"

flink_install() {
  copy_deps "$STACK_SRC/flink/pom.xml" "$FLINK_HOME/lib" "${FLINK_VERSION_PROPS[@]}"
}

flink_configure() {
  mkdir -p "$FLINK_HOME/conf" "$FLINK_HOME/checkpoints" "$FLINK_HOME/savepoints" "$FLINK_HOME/tmp" \
    "$FLINK_HOME/web-upload"
  # Only config.yaml (flat keys): Flink 1.19/1.20 read it with the standard YAML parser; 2.x reads nothing else.
  # Paths must be absolute (file:// URIs; processes may run from any directory).
  cat >"$FLINK_HOME/conf/config.yaml" <<EOF
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $FLINK_RPC_PORT
jobmanager.bind-host: 127.0.0.1
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $FLINK_REST_PORT
# jar upload/run (POST /jars/upload, /jars/:id/run); uploaded jars survive JobManager restarts in this dir
web.submit.enable: true
web.cancel.enable: true
web.upload.dir: $FLINK_HOME/web-upload
web.tmpdir: $FLINK_HOME/tmp
io.tmp.dirs: $FLINK_HOME/tmp

taskmanager.host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
taskmanager.resource-id: $FLINK_TM_ID
taskmanager.numberOfTaskSlots: 2
parallelism.default: 1
# TaskManagerRunner started without Flink's scripts needs every memory component set explicitly (the
# scripts derive them with BashJavaUtils from taskmanager.memory.process.size); total = 1216m.
# Keep in sync with the -Xmx/-XX flags in flink_tm_start.
taskmanager.cpu.cores: 2.0
taskmanager.memory.framework.heap.size: 128m
taskmanager.memory.task.heap.size: 384m
taskmanager.memory.framework.off-heap.size: 128m
taskmanager.memory.task.off-heap.size: 0m
taskmanager.memory.managed.size: 64m
taskmanager.memory.network.min: 64m
taskmanager.memory.network.max: 64m
taskmanager.memory.jvm-metaspace.size: 256m
# TaskExecutor also sums up the whole process size and insists on a fixed JVM overhead
taskmanager.memory.jvm-overhead.min: 192m
taskmanager.memory.jvm-overhead.max: 192m

# fixed-delay restarts so a poison record leads to RESTARTING and, after 2 attempts, FAILED
restart-strategy.type: fixed-delay
restart-strategy.fixed-delay.attempts: 2
restart-strategy.fixed-delay.delay: 1 s

# Faster loss detection than the 50 s default: after a JobManager restart (flink-jm.sh) the TaskManager
# only re-registers once its ResourceManager heartbeat times out.
heartbeat.interval: 2000
heartbeat.timeout: 15000

state.backend.type: hashmap
execution.checkpointing.dir: file://$FLINK_HOME/checkpoints
execution.checkpointing.savepoint-dir: file://$FLINK_HOME/savepoints
execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION
execution.checkpointing.num-retained: 3
classloader.resolve-order: child-first
EOF
  # JobManager: plain file log (log.file also makes the REST /jobmanager/logs endpoints work)
  cat >"$FLINK_HOME/conf/log4j-jobmanager.properties" <<'EOF'
monitorInterval = 30
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
logger.pekko.name = org.apache.pekko
logger.pekko.level = INFO
logger.kafka.name = org.apache.kafka
logger.kafka.level = INFO
logger.netty.name = org.jboss.netty.channel.DefaultChannelPipeline
logger.netty.level = OFF
appender.main.name = MainAppender
appender.main.type = File
appender.main.append = true
appender.main.fileName = ${sys:log.file}
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c [job=%X{flink-job-id}] - %m%n
EOF
  # TaskManager: the user-facing config from the repository, used as is (it reads system properties)
  cp "$ROOT_DIR/config/log4j2/log4j-taskmanager-kafka.properties" "$FLINK_HOME/conf/log4j-taskmanager.properties"
}

flink_cp() { echo "$FLINK_HOME/lib/*"; }

flink_jm_start() {
  require_free_port flink-jobmanager "$FLINK_REST_PORT"
  require_free_port flink-jobmanager "$FLINK_RPC_PORT"
  # shellcheck disable=SC2086
  start_proc flink-jobmanager "$LOG_DIR/flink-jobmanager.out" \
    "$JAVA" $FLINK_JAVA17_OPTS -Xms768m -Xmx768m -XX:MaxMetaspaceSize=256m \
    -Dlog.file="$LOG_DIR/flink-jobmanager.log" \
    -Dlog4j.configurationFile="file:$FLINK_HOME/conf/log4j-jobmanager.properties" \
    -cp "$(flink_cp)" org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
    --configDir "$FLINK_HOME/conf"
}

flink_tm_start() {
  # heap = framework.heap + task.heap; direct = framework.off-heap + task.off-heap + network (see config.yaml)
  # shellcheck disable=SC2086
  start_proc flink-taskmanager "$LOG_DIR/flink-taskmanager.out" \
    "$JAVA" $FLINK_JAVA17_OPTS -Xms512m -Xmx512m -XX:MaxDirectMemorySize=192m -XX:MaxMetaspaceSize=256m \
    -Dlog.file="$LOG_DIR/flink-taskmanager.log" \
    -Dlog4j.configurationFile="file:$FLINK_HOME/conf/log4j-taskmanager.properties" \
    -Dflinkwatch.log.kafka.bootstrap="$KAFKA_BOOTSTRAP" -Dflinkwatch.log.kafka.topic=flink-logs \
    -Dflink.taskmanager.id="$FLINK_TM_ID" -Dflink.cluster="$FLINK_CLUSTER_NAME" \
    -cp "$(flink_cp)" org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
    --configDir "$FLINK_HOME/conf"
}

flink_overview() { curl -fsS -m 3 "$FLINK_URL/overview" 2>/dev/null; }

flink_jm_healthy() { proc_alive flink-jobmanager && flink_overview >/dev/null; }

flink_tm_registered() {
  proc_alive flink-taskmanager || return 1
  flink_overview | grep -q '"taskmanagers":[1-9]'
}

flink_healthy() { flink_jm_healthy && flink_tm_registered; }

# both processes log through log4j into .log; .out only gets JVM-level output (wait_for tails NAME.log)
flink_jm_wait() { wait_for flink-jobmanager 120 "REST $FLINK_URL/overview" flink_jm_healthy; }
flink_tm_wait() { wait_for flink-taskmanager 120 "TaskManager registration" flink_tm_registered; }

flink_start() {
  if ! port_listening "$KAFKA_PORT"; then
    log "flink: WARNING: Kafka is not up; the TaskManager's log shipping to topic flink-logs will drop lines"
  fi
  if ! proc_alive flink-jobmanager; then
    flink_jm_start
    flink_jm_wait
  fi
  if ! proc_alive flink-taskmanager; then
    flink_tm_start
  fi
}

flink_wait() {
  flink_jm_wait
  flink_tm_wait
}

flink_post_start() { :; }

# build the test job (cached: rebuilt only when its sources change); up.sh runs it whenever flink is selected

flink_build_test_job() {
  local stamp
  stamp=$( (find "$FLINK_JOB_SRC" -path "$FLINK_JOB_SRC/target" -prune -o -type f -print | sort | xargs cat
    echo "${FLINK_VERSION_PROPS[@]}") | sha256sum | cut -c1-16)
  if [[ -f $FLINK_JOB_JAR && -f $FLINK_JOB_JAR.stamp && $(<"$FLINK_JOB_JAR.stamp") == "$stamp" ]]; then
    return 0
  fi
  log "flink: building test job (test/fixtures/flink-test-job)"
  mkdir -p "$STACK_DIR/jobs"
  # build output goes to .stack/, not into the source tree
  mvn_run -f "$FLINK_JOB_SRC/pom.xml" package -DskipTests -Dfw.build.dir="$STACK_DIR/jobs/build" "${FLINK_VERSION_PROPS[@]}"
  cp "$STACK_DIR/jobs/build/flink-test-job.jar" "$FLINK_JOB_JAR"
  echo "$stamp" >"$FLINK_JOB_JAR.stamp"
  log "flink: test job at ${FLINK_JOB_JAR#"$ROOT_DIR"/}"
}

flink_stop() {
  stop_proc flink-taskmanager 30
  stop_proc flink-jobmanager 30
}
