/**
 * The rule families for failures told in words (src/causes/described-rules.ts) and the fixes to
 * thrown-form rules that came with them. Texts are synthetic, written in the style of operator
 * events, report sentences and Flink's own templates; none is copied from the corpus.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BUILTIN_CAUSE_RULES } from '../../../src/causes/builtin-rules.js'
import { RuleClassifier, type FailureInput } from '../../../src/causes/classifier.js'
import { compileRules } from '../../../src/causes/rules.js'

const classifier = new RuleClassifier(compileRules(BUILTIN_CAUSE_RULES))
const verdict = (i: FailureInput) => classifier.classify(i)
const LOG = (level: string, logger: string, msg: string): string => `2026-03-04 05:06:07,890 ${level}  ${logger} [] - ${msg}`

const cases: [string, string, FailureInput][] = [
  ['direct memory running low, in words', 'direct-oom', { events: ['The payments job restarts twice a day because the TaskManagers run out of direct memory under load'] }],
  ['a direct memory limit too strict for Netty', 'direct-oom', { events: ['The strict upper direct memory limit breaks the network stack allocations'] }],
  ['heap exhausted, in words', 'heap-oom', { events: ['During the backfill the enrichment job ran out of heap and the TaskManager died'] }],
  ['the JobManager failed with OutOfMemory', 'heap-oom', { events: ['After two days the JobManager crashed with an OutOfMemoryError and took the session cluster down'] }],
  ['the kernel killing the process for memory', 'container-memory-kill', { events: ['The TaskManager process is killed when the node runs out of memory; dmesg shows it'] }],
  ['the NodeManager killing containers', 'container-memory-kill', { events: ['YARN keeps killing TaskManager containers for exceeding the memory they asked for'] }],
  ['OOM killed by the container manager', 'container-memory-kill', { events: ['Native memory of the state backend grows until the pod is OOM killed'] }],
  ['YARN quoting the limit type in capitals', 'container-memory-kill', { yarn: { diagnostics: "Container [pid=4242,containerID=container_e01_1700000000000_0001_01_000003] is running 1048576B beyond the 'PHYSICAL' memory limit. Current usage: 4.0 GB of 4 GB physical memory used. Killing container." } }],
  ['a TaskManager not answering the deploy call', 'taskmanager-lost', { exception: 'java.lang.Exception: Cannot deploy task Map (3/8) (7f3e) - TaskManager (a1b2 @ worker-7 (dataPort=40123)) not responding after a rpcTimeout of 10000 ms\nCaused by: java.util.concurrent.TimeoutException: Invocation of [RemoteRpcInvocation(TaskExecutorGateway.submitTask(TaskDeploymentDescriptor, JobMasterId, Time))] timed out.' }],
  ['a quarantined TaskManager', 'taskmanager-lost', { logs: [LOG('WARN', 'akka.remote.Remoting', 'Tried to associate with unreachable remote address [akka.tcp://flink@session-jobmanager:6123]. Reason: [The remote system has quarantined this system. No further associations are possible until this system is restarted.]')] }],
  ['a TaskManager that lost its JobManager', 'cluster-lost', { logs: [LOG('INFO', 'org.apache.flink.runtime.taskexecutor.TaskExecutor', 'The heartbeat of JobManager with id 0c5d1e timed out.'), LOG('WARN', 'org.apache.pekko.remote.ReliableDeliverySupervisor', 'Association with remote system [pekko.tcp://flink@orders-jobmanager:6123] has failed, address is now gated for [50] ms.')] }],
  ['the JobManager gone with its node', 'cluster-lost', { events: ['The node drain evicted the job manager and the whole cluster was gone until someone redeployed it'] }],
  ['an application master failing over', 'cluster-lost', { events: ['When the ZooKeeper leader changes the application master fails over and the job restarts from nothing'] }],
  ['leadership that will be revoked', 'cluster-lost', { events: ["If the ZooKeeper connection breaks, the JobManager's leadership will be revoked"] }],
  ['a cancel triggered from the submitter', 'cancelled', { events: ['Triggered a cancel of the streaming job from our deploy tool at 10:02'] }],
  ['the CLI with options before the job id', 'cancelled', { events: ['./bin/flink cancel -m yarn-cluster -yid application_1700000000000_0042 0123456789abcdef0123456789abcdef'] }],
  ['a job cancelled through the web UI', 'cancelled', { events: ['Somebody cancelling the job through the Flink web UI makes the operator report Failed'] }],
  ['the GCP operator user control', 'cancelled', { events: ['Normal  ControlRequested  10s  FlinkOperator  Requested new user control job-cancel'] }],
  ['the operator cancel field', 'cancelled', { events: ['We set spec.job.cancelRequested to true to stop it before the migration'] }],
  ['a tombstone record the format cannot read', 'deserialization', { events: ['The debezium-json format throws an NPE when a tombstone message arrives'] }],
  ['a Connect record that does not fit the columns', 'deserialization', { exception: 'org.apache.kafka.connect.errors.DataException: ORDER_ID is not a valid field name' }],
  ['state that cannot be read back on restore', 'state-storage', { exception: 'org.apache.flink.util.FlinkRuntimeException: Failed to deserialize value\n\tat org.apache.flink.streaming.api.operators.util.SimpleVersionedListState$DeserializingIterator.next(SimpleVersionedListState.java:140)\n\tat org.apache.flink.streaming.runtime.operators.sink.StatefulSinkWriterStateHandler.createWriter(StatefulSinkWriterStateHandler.java:103)' }],
  ['a savepoint that no longer matches the program', 'state-storage', { events: ['The new version has more stateful operators than the savepoint and would not start'] }],
  ['no access to the savepoint location', 'state-storage', { events: ['There was an access problem with the savepoint location on S3'], logs: [LOG('WARN', 'org.apache.flink.runtime.checkpoint.CheckpointCoordinator', 'Failed to trigger savepoint. Failure reason: Not all required tasks are currently running.')] }],
  ['no node of the sink cluster available', 'source-sink-unavailable', { logs: [LOG('ERROR', 'com.example.sink.Writer', 'No StarRocks FE is available, please check configuration')], exception: 'com.example.sink.WriterException: Failed to get backend\n\tat com.example.sink.Writer.open(Writer.java:40)' }],
  ['a Pulsar producer that cannot send', 'source-sink-unavailable', { exception: 'ERROR o.a.flink.streaming.connectors.pulsar.FlinkPulsarSinkBase - Error while sending message to Pulsar: producer is closing' }],
  ['an Iceberg table file missing', 'source-sink-unavailable', { exception: 'org.apache.iceberg.exceptions.NotFoundException: Failed to open input stream for file: hdfs://nn/warehouse/db.db/orders/metadata/snap-1.avro\n\tat org.apache.iceberg.hadoop.HadoopInputFile.newStream(HadoopInputFile.java:177)' }],
  ["the job's own class failing its static initialiser", 'user-code', { exception: 'java.lang.NoClassDefFoundError: Could not initialize class com.acme.orders.Registry$Holder\n\tat com.acme.orders.Registry.get(Registry.java:22)\n\tat com.acme.orders.OrderSink.open(OrderSink.java:31)\n\tat org.apache.flink.api.common.functions.util.FunctionUtils.openFunction(FunctionUtils.java:36)' }],
  ['the runtime context used too early', 'user-code', { exception: "org.apache.flink.runtime.client.JobExecutionException: Cannot initialize task 'Sink: orders': Configuring the output format (null) failed: The runtime context has not been initialized yet." }],
  ['a TaskManager that cannot reach the JobManager port', 'cluster-lost', { logs: [LOG('WARN', 'akka.remote.ReliableDeliverySupervisor', 'Association with remote system [akka.tcp://flink@10.0.0.5:6123] has failed, address is now gated for [50] ms. Reason: [Association failed] Caused by: [java.net.ConnectException: Connection refused]'), LOG('INFO', 'org.apache.flink.runtime.taskexecutor.TaskExecutor', 'Could not resolve ResourceManager address akka.tcp://flink@10.0.0.5:6123/user/rpc/resourcemanager_*, retrying in 10000 ms.')] }],
  ['a CDC source reconnecting to its database', 'source-sink-unavailable', { logs: ['WARNING: Failed to restore connection to 10.1.2.3:3306. Next attempt in 60000ms'] }],
  ['a connector that does not support the server version', 'source-sink-unavailable', { events: ['The connector only supports PostgreSQL whose version is 10 or later, but the server is 9.6'] }],
  ['PyFlink quoting the Java exception after a colon', 'sql-planning', { exception: "py4j.protocol.Py4JJavaError: An error occurred while calling o12.createTemporarySystemFunction.\n: org.apache.flink.table.api.ValidationException: Function class 'com.acme.Udf' must have a public default constructor." }],
  ["a JDK exception in the job's main()", 'user-code', { exception: 'Exception in thread "main" java.lang.ArrayIndexOutOfBoundsException: 2\n\tat org.apache.flink.streaming.example.schema.FieldSchema.build(FieldSchema.java:49)\n\tat com.acme.Job.main(Job.java:20)' }],
  ['memory sizes that do not add up', 'unknown', { exception: 'org.apache.flink.configuration.IllegalConfigurationException: TaskManager memory configuration failed: Sum of configured Framework Off-Heap Memory (128 mb) and Network Memory (1 gb) exceed configured Total Flink Memory (1 gb).' }],
  ['a cancel through some other UI', 'cancelled', { events: ['Canceling the job through the StreamPark UI with a savepoint shows it failed for a minute'] }],
  ['the operator status field saying the job was cancelled', 'cancelled', { events: ['The jobCancelled status overrides the savepoint status'] }],
  ['restored state that cannot be read, in words', 'state-storage', { events: ['On restore, the iterator seeks to offset -1 and fails with a position out of bounds'] }],
  ['the JVM unable to commit native memory', 'container-memory-kill', { logs: ["OpenJDK 64-Bit Server VM warning: INFO: os::commit_memory(0x00000007, 716701696, 0) failed; error='Cannot allocate memory' (errno=12)", '# There is insufficient memory for the Java Runtime Environment to continue.', '# An error report file with more information is saved as: /tmp/hs_err_pid7.log'] }],
  ['an Arrow allocation failing', 'direct-oom', { exception: 'org.apache.arrow.memory.OutOfMemoryException: Failure allocating buffer.\n\tat org.apache.arrow.memory.NettyAllocationManager.<init>(NettyAllocationManager.java:67)' }],
  ['a JobManager heap OOM in words', 'heap-oom', { events: ['after twenty batch submissions the jobmanager heap oom happens again'] }],
  ['a TaskManager that drops', 'taskmanager-lost', { events: ['With the RocksDB backend the job fails because a task manager drops in the middle of the run'] }],
  ['the JobManager container killed through YARN', 'cluster-lost', { events: ['kill the job manager container through yarn and yarn starts it in another container'] }],
  ['the active JobManager stopping in a standalone HA cluster', 'cluster-lost', { events: ['When the active jobmanager stops, the jobs move to the standby'] }],
  ['a failed stream load to the sink database', 'source-sink-unavailable', { logs: [LOG('ERROR', 'com.example.sink.BatchStreamLoad', 'stream load failed with fe-1:8030, reason HTTP/1.1 503 Service Unavailable, to retry')] }],
  ['a sink connection that was closed meanwhile', 'source-sink-unavailable', { exception: 'java.lang.RuntimeException: Connection maybe closed\n\tat com.example.jdbc.OutputFormat.processWriteException(OutputFormat.java:343)' }],
  ['a CDC user without replication grants', 'source-sink-unavailable', { exception: 'io.debezium.DebeziumException: java.sql.SQLSyntaxErrorException: Access denied; you need (at least one of) the SUPER, REPLICATION CLIENT privilege(s) for this operation\n\tat io.debezium.pipeline.source.AbstractSnapshotChangeEventSource.execute(AbstractSnapshotChangeEventSource.java:85)' }],
  ['two jars conflicting, in words', 'classloading', { events: ['The format jar and the s3 plugin conflict with each other and the connection pool is shut down'] }],
  ["a Python UDF raising in the job's own file", 'user-code', { exception: '  File "pyflink/fn_execution/table/operations.py", line 203, in process_element\n  File "/opt/job/udfs/enrich_udtf.py", line 41, in eval\nKeyError: \'region\'' }],
  ['a planner without rules for the source', 'sql-planning', { exception: '[ERROR] Could not execute SQL statement. Reason:\norg.apache.calcite.plan.RelOptPlanner$CannotPlanException: There are not enough rules to produce a node with desired properties: convention=STREAM_PHYSICAL' }],
  ['metaspace left at zero', 'metaspace-oom', { events: ['No memory was assigned to the metaspace, leading to JVM failure at startup'] }],
  ['a stop from a Chinese UI', 'cancelled', { events: ['点击智能停止后任务状态变为 unknown'] }],
]

for (const [name, expected, input] of cases) {
  test(`described families: ${name} → ${expected}`, () => assert.equal(verdict(input).class, expected, JSON.stringify(verdict(input)).slice(0, 300)))
}

test("precision: the thrown forms still decide, and a library's class failing to initialise stays classloading", () => {
  // A connector class whose initialiser failed (frames in the connector, not the job): a dependency problem.
  assert.equal(verdict({ exception: 'java.lang.NoClassDefFoundError: Could not initialize class org.xerial.snappy.Snappy\n\tat org.apache.flink.formats.parquet.ParquetWriter.write(ParquetWriter.java:12)' }).class, 'classloading')
  // Neither akka's ask timeout nor java.util.concurrent's TimeoutException is Kafka's.
  assert.notEqual(verdict({ exception: 'akka.pattern.AskTimeoutException: Ask timed out on [Actor[akka://flink/user/dispatcher#1]] after [10000 ms].' }).class, 'source-sink-unavailable')
  assert.notEqual(verdict({ exception: 'java.util.concurrent.TimeoutException: Invocation of [RemoteRpcInvocation(JobMasterGateway.requestJob())] timed out.' }).class, 'source-sink-unavailable')
  assert.equal(verdict({ exception: 'org.apache.kafka.common.errors.TimeoutException: Topic orders not present in metadata after 60000 ms.' }).class, 'source-sink-unavailable')
  // A declined snapshot is a checkpoint failure; "could not complete snapshot" with a storage reason stays state storage.
  const declined = LOG('INFO', 'org.apache.flink.streaming.runtime.tasks.SubtaskCheckpointCoordinatorImpl', 'Could not complete snapshot 12 for operator Source: orders (1/1)#0. Failure reason: Checkpoint was declined.')
  assert.equal(verdict({ logs: [declined] }).class, 'checkpoint-failure')
  assert.equal(verdict({ exception: 'java.io.IOException: Could not complete snapshot 12 for operator Source: orders (1/1). No space left on device' }).class, 'state-storage')
  // An attached execute() rethrows the job's own failure from main(): the record problem decides, not main().
  assert.equal(verdict({ exception: 'org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: Job execution failed.\nCaused by: org.apache.flink.runtime.client.JobExecutionException: Job execution failed.\nCaused by: com.fasterxml.jackson.core.JsonParseException: Unexpected character (\'}\' (code 125))' }).class, 'deserialization')
  // Only a memory configuration that does not add up is "nothing failed"; a rejected checkpoint directory is storage.
  assert.equal(verdict({ exception: 'org.apache.flink.configuration.IllegalConfigurationException: Cannot create the file system state backend: The configuration does not specify the checkpoint directory \'state.checkpoints.dir\'' }).class, 'state-storage')
  // A report that mentions memory without saying what ran out names nothing.
  assert.equal(verdict({ events: ['We gave the TaskManagers more memory last week'] }).class, 'unknown')
})
