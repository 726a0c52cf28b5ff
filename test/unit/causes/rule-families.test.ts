/**
 * The rule families added for recall (issue 11): evidence quoted mid-sentence, checkpoint failure
 * reasons, state storage seen through state frames or log lines, cancel/suspend words, HA loss and
 * more client templates. Traces are synthetic, written from Flink's / the clients' message templates.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BUILTIN_CAUSE_RULES } from '../../../src/causes/builtin-rules.js'
import { RuleClassifier, type FailureInput } from '../../../src/causes/classifier.js'
import { compileRules } from '../../../src/causes/rules.js'

const classifier = new RuleClassifier(compileRules(BUILTIN_CAUSE_RULES))
const cls = (i: FailureInput): string => classifier.classify(i).class
const LOG = (level: string, logger: string, msg: string): string => `2026-01-01 03:04:05,678 ${level}  ${logger} [] - ${msg}`

const cases: [string, string, FailureInput][] = [
  ['metaspace quoted in a sentence', 'metaspace-oom', { exception: '', events: ['TaskManager tm-1 exited: fatal error java.lang.OutOfMemoryError: Metaspace, see taskmanager.memory.jvm-metaspace.size'] }],
  ['metaspace described as a leak', 'metaspace-oom', { exception: '', events: ['Metaspace usage keeps growing after every job restart until the TaskManager dies'] }],
  ['direct memory quoted', 'direct-oom', { exception: '', logs: [LOG('ERROR', 'org.apache.flink.runtime.taskexecutor.TaskManagerRunner', 'Fatal error: task failed with java.lang.OutOfMemoryError: Direct buffer memory')] }],
  ['heap quoted', 'heap-oom', { exception: '', events: ['Task Map (2/4) failed after java.lang.OutOfMemoryError: GC overhead limit exceeded'] }],
  ['NoSuchMethodError quoted', 'classloading', { exception: '', events: ['Job failed because of java.lang.NoSuchMethodError: org.apache.avro.Schema.getLogicalType()Lorg/apache/avro/LogicalType;'] }],
  ['class compiled for a newer JVM', 'classloading', { exception: 'java.lang.UnsupportedClassVersionError: com/acme/Job has been compiled by a more recent version of the Java Runtime (class file version 61.0), this version of the Java Runtime only recognizes class file versions up to 55.0' }],
  ['hdfs checkpoint storage without Hadoop on the classpath', 'classloading', { exception: 'org.apache.flink.util.FlinkRuntimeException: Failed to create checkpoint storage at checkpoint coordinator side.\nCaused by: org.apache.flink.core.fs.UnsupportedFileSystemSchemeException: Cannot support file system for \x27hdfs\x27 via Hadoop, because Hadoop is not in the classpath, or some classes are missing from the classpath.' }],
  ['Java serialization of a class two jars load differently', 'classloading', { exception: '', events: ['[ERROR] Could not execute SQL statement. Reason:', 'java.io.StreamCorruptedException: unexpected block data'] }],
  ['serialVersionUID mismatch', 'classloading', { exception: 'java.io.InvalidClassException: com.acme.Order; local class incompatible: stream classdesc serialVersionUID = 1, local class serialVersionUID = 2' }],
  ['module not opened (Java 17)', 'classloading', { exception: 'java.lang.reflect.InaccessibleObjectException: Unable to make field private final java.lang.Object[] java.util.Arrays$ArrayList.a accessible: module java.base does not "opens java.util" to unnamed module @2d6e8792' }],
  ['CLI cancelled job', 'cancelled', { exception: '', events: ['Cancelling job 3f2a1b.', 'Cancelled job 3f2a1b.'] }],
  ['operator suspended the job', 'cancelled', { exception: '', events: ['FlinkDeployment orders/orders-agg suspended: job.state: suspended (upgradeMode savepoint)'] }],
  ['job status changed to CANCELED', 'cancelled', { exception: '', logs: [LOG('INFO', 'org.apache.flink.runtime.dispatcher.StandaloneDispatcher', 'Job 3f2a1b reached terminal state. Job status changed to CANCELED')] }],
  ['ZooKeeper connection lost', 'cluster-lost', { exception: '', logs: [LOG('WARN', 'org.apache.flink.shaded.curator5.org.apache.curator.framework.state.ConnectionStateManager', 'Connection state changed to SUSPENDED')] }],
  ['ZooKeeper session expired', 'cluster-lost', { exception: 'org.apache.flink.shaded.zookeeper3.org.apache.zookeeper.KeeperException$SessionExpiredException: KeeperErrorCode = Session expired for /flink/default/leader' }],
  ['Kubernetes lease not renewed', 'cluster-lost', { exception: '', events: ['Failed to renew the lease for flink-cluster-orders-leader, stop being the leader'] }],
  ['checkpoint alignment limit', 'checkpoint-failure', { exception: 'org.apache.flink.runtime.checkpoint.CheckpointException: The checkpoint alignment phase needed to buffer more than the configured maximum bytes' }],
  ['late message for an expired checkpoint', 'checkpoint-failure', { exception: '', logs: [LOG('WARN', 'org.apache.flink.runtime.checkpoint.CheckpointCoordinator', 'Received late message for now expired checkpoint attempt 41 from task 9c1e of job 3f2a1b at tm-2.')] }],
  ['RocksDB exception', 'state-storage', { exception: 'org.rocksdb.RocksDBException: While appending to file: /data/flink/rocksdb/job_3f2a/db/000123.sst: No space left on device' }],
  ['IOException through the state frames', 'state-storage', { exception: 'java.io.IOException: Stream closed unexpectedly\n\tat org.apache.flink.runtime.state.filesystem.FsCheckpointStreamFactory$FsCheckpointStateOutputStream.closeAndGetHandle(FsCheckpointStreamFactory.java:354)\n\tat org.apache.flink.runtime.state.AsyncSnapshotCallable.call(AsyncSnapshotCallable.java:78)' }],
  ['S3 error on the checkpoint path in a log line', 'state-storage', { exception: '', logs: [LOG('WARN', 'org.apache.flink.runtime.checkpoint.CheckpointCoordinator', 'Could not write checkpoint 7 to s3://ckpt/orders/chk-7: com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403)')] }],
  ['Kafka offsets commit timeout', 'source-sink-unavailable', { exception: 'org.apache.kafka.common.errors.TimeoutException: Timeout of 60000ms expired before successfully committing offsets {orders-0=OffsetAndMetadata{offset=42}}' }],
  ['JDBC sink flush failed', 'source-sink-unavailable', { exception: 'java.io.IOException: Writing records to JDBC failed.\n\tat org.apache.flink.connector.jdbc.internal.JdbcOutputFormat.flush(JdbcOutputFormat.java:190)' }],
  ['table options missing', 'sql-planning', { exception: "org.apache.flink.table.api.ValidationException: One or more required options are missing.\n\nMissing required options are:\n\ntopic" }],
  ['consecutive checkpoint failures', 'checkpoint-failure', { exception: '', logs: [LOG('WARN', 'org.apache.flink.runtime.checkpoint.CheckpointFailureManager', 'Failed to trigger or complete checkpoint 14 for job 3f2a1b. (3 consecutive failed attempts so far)')] }],
  ['HDFS in safe mode', 'state-storage', { exception: '', events: ['Name node is in safe mode. The reported blocks 120 needs additional 4 blocks to reach the threshold'] }],
  ['cancelled from the UI (operator note)', 'cancelled', { exception: '', events: ['The on-call engineer cancelled the job from the web UI before the deploy'] }],
  ['a library called from the job threw a JDK exception', 'user-code', { exception: 'java.io.UncheckedIOException: lookup table missing\n\tat org.apache.commons.io.FileUtils.readLines(FileUtils.java:1)\n\tat com.acme.orders.Enrich.open(Enrich.java:31)\n\tat org.apache.flink.api.common.functions.util.FunctionUtils.openFunction(FunctionUtils.java:34)' }],
  ['own exception class without frames', 'user-code', { exception: 'com.acme.orders.InvalidOrderException: order 17 has no price' }],
  // Flink's RocksDB state classes: "Error while <verb> data <from|into|in> RocksDB", whichever user function asked.
  ['RocksDB map state read', 'state-storage', { exception: 'org.apache.flink.util.FlinkRuntimeException: Error while getting data from RocksDB.\n\tat org.apache.flink.contrib.streaming.state.RocksDBMapState.get(RocksDBMapState.java:129)\n\tat com.acme.orders.Dedup.processElement(Dedup.java:40)' }],
  ['RocksDB list state merge', 'state-storage', { exception: 'org.apache.flink.util.FlinkRuntimeException: Error while merging state in RocksDB\n\tat org.apache.flink.contrib.streaming.state.RocksDBListState.add(RocksDBListState.java:121)' }],
  // DefaultKeyedStateStore wraps a state that cannot be registered (new serializer, broken backend) from a user open().
  ['keyed state not obtainable in open()', 'state-storage', { exception: 'java.lang.RuntimeException: Error while getting state\n\tat org.apache.flink.runtime.state.DefaultKeyedStateStore.getMapState(DefaultKeyedStateStore.java:112)\n\tat com.acme.orders.Enrich.open(Enrich.java:22)' }],
  ['a linkage error named in a report', 'classloading', { exception: '', events: ['the connector throws NoClassDefFoundError for org/apache/kafka/clients/admin/AdminClient after the upgrade'] }],
  ['the k8s operator reports the job Lost', 'cluster-lost', { exception: '', events: ['Job State: Lost'] }],
  ['a job status called lost in prose is not enough on its own for a CR field', 'unknown', { exception: '', events: ['we lost some records in the sink'] }],
]
for (const [name, expected, input] of cases) {
  test(`rule families: ${name} → ${expected}`, () => assert.equal(cls(input), expected, JSON.stringify(classifier.classify(input)).slice(0, 300)))
}

test('precision: what every failover prints does not become cancelled or checkpoint-failure', () => {
  // Tasks are cancelled on every failover; the checkpoint coordinator suspends after any failure.
  const failover: FailureInput = {
    exception: 'org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\nCaused by: java.lang.NullPointerException\n\tat com.acme.Enricher.map(Enricher.java:12)',
    logs: [
      LOG('INFO', 'org.apache.flink.runtime.taskmanager.Task', 'Source: orders (1/1)#0 (7a1c) switched from CANCELING to CANCELED.'),
      LOG('WARN', 'org.apache.flink.runtime.checkpoint.CheckpointFailureManager', 'Failed to trigger or complete checkpoint 9 for job 3f2a1b. (0 consecutive failed attempts so far) Checkpoint Coordinator is suspending.'),
    ],
  }
  assert.equal(cls(failover), 'user-code')
  // A framework or connector exception class without frames is not the job's own.
  assert.equal(cls({ exception: 'org.apache.flink.runtime.JobException: something nobody has seen before' }), 'unknown')
  assert.equal(cls({ exception: 'io.debezium.DebeziumException: something odd' }), 'source-sink-unavailable')
})

test('unless vetoes a rule when any evidence matches it', () => {
  const rules = compileRules([{ id: 'retry', class: 'source-sink-unavailable', match: { log: 'retrying request', unless: 'giving up' } }])
  const c = new RuleClassifier(rules)
  assert.equal(c.classify({ exception: '', logs: ['retrying request to payments'] }).class, 'source-sink-unavailable')
  assert.equal(c.classify({ exception: '', logs: ['retrying request to payments', 'giving up after 5 attempts'] }).class, 'unknown')
  assert.equal(c.classify({ exception: 'java.io.IOException: giving up', logs: ['retrying request to payments'] }).class, 'unknown', 'the exception text vetoes too')
})

test('a zero consecutive-failure count (a side effect of another failure) is not a checkpoint failure', () => {
  const line = LOG('WARN', 'org.apache.flink.runtime.checkpoint.CheckpointFailureManager', 'Failed to trigger or complete checkpoint 14 for job 3f2a1b. (0 consecutive failed attempts so far)')
  assert.equal(cls({ exception: '', logs: [line] }), 'unknown')
})
