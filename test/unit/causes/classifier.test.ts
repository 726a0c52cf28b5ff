import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Value } from '@sinclair/typebox/value'
import { BUILTIN_CAUSE_RULES } from '../../../src/causes/builtin-rules.js'
import { CAUSE_CLASS_IDS, CAUSE_CLASSES } from '../../../src/causes/classes.js'
import { RuleClassifier, type FailureInput } from '../../../src/causes/classifier.js'
import { CauseRuleConfig, CauseRuleError, compileRules } from '../../../src/causes/rules.js'
import { KeywordBaseline } from '../../../src/causes/baseline.js'

const classifier = new RuleClassifier(compileRules(BUILTIN_CAUSE_RULES))
const cls = (i: FailureInput) => classifier.classify(i).class
const WRAP = 'org.apache.flink.runtime.client.JobExecutionException: Job execution failed.\n\tat org.apache.flink.runtime.jobmaster.JobResult.toJobExecutionResult(JobResult.java:144)\nCaused by: org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:180)\nCaused by: '
const wrapped = (cause: string) => `${WRAP}${cause}`

test('every class has an owner and a hint, and the ids are the contract', () => {
  assert.deepEqual([...CAUSE_CLASS_IDS], ['heap-oom', 'direct-oom', 'metaspace-oom', 'container-memory-kill', 'taskmanager-lost', 'checkpoint-failure', 'state-storage', 'source-sink-unavailable', 'deserialization', 'sql-planning', 'classloading', 'user-code', 'cluster-lost', 'cancelled', 'unknown'])
  for (const id of CAUSE_CLASS_IDS) {
    assert.ok(['platform', 'job'].includes(CAUSE_CLASSES[id].owner))
    assert.ok(CAUSE_CLASSES[id].hint.length > 20, id)
  }
})

test('built-in rules are valid CauseRuleConfig data (the schema users write)', () => {
  for (const r of BUILTIN_CAUSE_RULES) assert.ok(Value.Check(CauseRuleConfig, r), `${r.id}: ${[...Value.Errors(CauseRuleConfig, r)].map((e) => `${e.path} ${e.message}`).join('; ')}`)
  assert.equal(new Set(BUILTIN_CAUSE_RULES.map((r) => r.id)).size, BUILTIN_CAUSE_RULES.length, 'unique ids')
})

const cases: [string, FailureInput][] = [
  ['heap-oom', { exception: wrapped('java.lang.OutOfMemoryError: Java heap space\n\tat java.util.Arrays.copyOf(Arrays.java:3332)') }],
  ['direct-oom', { exception: wrapped('java.lang.OutOfMemoryError: Direct buffer memory\n\tat java.nio.Bits.reserveMemory(Bits.java:175)') }],
  ['metaspace-oom', { exception: wrapped('java.lang.OutOfMemoryError: Metaspace. The metaspace out-of-memory error has occurred.') }],
  ['container-memory-kill', { exception: '', pod: { reason: 'OOMKilled', exitCode: 137 } }],
  ['container-memory-kill', { exception: '', yarn: { exitStatus: -104, diagnostics: 'Container [pid=1,containerID=container_1_0001_01_000002] is running beyond physical memory limits. Current usage: 4.1 GB of 4 GB physical memory used' } }],
  ['taskmanager-lost', { exception: wrapped('java.util.concurrent.TimeoutException: Heartbeat of TaskManager with id 10.0.0.1:6122-abc timed out.\n\tat org.apache.flink.runtime.jobmaster.JobMaster$TaskManagerHeartbeatListener.notifyHeartbeatTimeout(JobMaster.java:1299)') }],
  ['checkpoint-failure', { exception: wrapped('org.apache.flink.util.FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold.\n\tat org.apache.flink.runtime.checkpoint.CheckpointFailureManager.checkFailureCounter(CheckpointFailureManager.java:98)') }],
  ['state-storage', { exception: wrapped('java.io.IOException: Could not flush and close the file system output stream to s3://bucket/checkpoints/abc/chk-12/_metadata in order to obtain the stream state handle\nCaused by: com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403)') }],
  ['source-sink-unavailable', { exception: wrapped('org.apache.kafka.common.errors.TimeoutException: Timeout of 60000ms expired before the position for partition orders-0 could be determined') }],
  ['deserialization', { exception: wrapped('java.io.IOException: Failed to deserialize consumer record due to\n\tat org.apache.flink.connector.kafka.source.reader.KafkaRecordEmitter.emitRecord(KafkaRecordEmitter.java:56)\nCaused by: com.fasterxml.jackson.core.JsonParseException: Unrecognized token \'poison\': was expecting JSON') }],
  ['sql-planning', { exception: 'org.apache.flink.table.api.ValidationException: SQL validation failed. From line 1, column 15 to line 1, column 20: Object \'orders\' not found' }],
  ['classloading', { exception: wrapped('java.lang.NoSuchMethodError: \'void org.apache.kafka.clients.consumer.KafkaConsumer.poll(long)\'\n\tat com.example.Legacy.read(Legacy.java:10)') }],
  ['user-code', { exception: wrapped('java.lang.RuntimeException: poison record received (key=k)\n\tat flinkwatch.testjob.TestJob$CountPerKey.processElement(TestJob.java:143)\n\tat org.apache.flink.streaming.api.operators.KeyedProcessOperator.processElement(KeyedProcessOperator.java:83)') }],
  ['cluster-lost', { exception: 'org.apache.flink.util.FlinkException: JobManager responsible for 3f2a lost the leadership.', events: ['jobmanager-failover: JobManager moved from a:1 to b:2 (attempt 2)'] }],
  ['cancelled', { exception: 'org.apache.flink.runtime.client.JobCancellationException: Job was cancelled.' }],
  ['unknown', { exception: 'org.apache.flink.runtime.JobException: something nobody has seen before\n\tat org.apache.flink.runtime.Foo.bar(Foo.java:1)' }],
]
for (const [expected, input] of cases) {
  test(`classifies ${expected}`, () => assert.equal(cls(input), expected, JSON.stringify(classifier.classify(input)).slice(0, 300)))
}

test('wrapped exceptions: the deepest meaningful cause wins, not the wrapper', () => {
  const v = classifier.classify({ exception: wrapped('org.apache.flink.runtime.io.network.netty.exception.RemoteTransportException: Lost connection to task manager \'10.0.0.2:6121\'.\nCaused by: java.io.IOException: Connection reset by peer') })
  assert.equal(v.class, 'taskmanager-lost', 'the specific "Lost connection to task manager" beats the generic connection reset below it')
  const deep = classifier.classify({ exception: wrapped('java.lang.RuntimeException: wrapper from user code\n\tat com.example.Enricher.map(Enricher.java:12)\nCaused by: java.lang.OutOfMemoryError: Java heap space') })
  assert.equal(deep.class, 'heap-oom', 'the OOM under a user-code wrapper is the cause')
  assert.match(deep.matched ?? '', /Caused by: java.lang.OutOfMemoryError/)
})

test('user frames decide user-code; an exception in Flink frames is not user code', () => {
  assert.equal(cls({ exception: 'java.lang.IllegalStateException: bad config\n\tat org.apache.flink.runtime.Foo.check(Foo.java:1)' }), 'user-code', 'programming errors count as the job’s even in framework frames')
  assert.equal(cls({ exception: 'com.example.OrderException: no price\n\tat com.example.Pricing.apply(Pricing.java:7)\n\tat org.apache.flink.streaming.api.operators.StreamMap.processElement(StreamMap.java:38)' }), 'user-code')
  assert.equal(cls({ exception: 'org.apache.flink.runtime.SomeFlinkException: internal\n\tat org.apache.flink.runtime.Foo.bar(Foo.java:1)' }), 'unknown')
})

test('platform evidence beats what the JobManager saw: OOMKilled pod over "TaskManager lost"', () => {
  const input: FailureInput = { exception: wrapped('org.apache.flink.runtime.jobmaster.JobMasterException: TaskManager with id tm-1 is no longer reachable.'), pod: { reason: 'OOMKilled', exitCode: 137 } }
  assert.equal(cls(input), 'container-memory-kill')
  const noPod = { ...input }
  delete noPod.pod
  assert.equal(cls(noPod), 'taskmanager-lost')
})

test('log lines decide when the exception says nothing, and lose to a telling exception', () => {
  assert.equal(cls({ exception: '', logs: ['2024-01-01 10:00:00,000 WARN  org.apache.kafka.clients.NetworkClient [] - [Consumer clientId=c] Connection to node 1 (kafka/10.0.0.1:9092) could not be established. Broker may not be available.'] }), 'source-sink-unavailable')
  assert.equal(cls({ exception: 'java.lang.OutOfMemoryError: Java heap space', logs: ['WARN Connection to node 1 could not be established. Broker may not be available.'] }), 'heap-oom')
})

test('failureLabels: type=User is the job’s code when nothing else says more', () => {
  assert.equal(cls({ exception: '', failureLabels: { type: 'User' } }), 'user-code')
})

test('user rules extend and replace the built-ins; a bad regular expression is a clear error', () => {
  const user = new RuleClassifier(
    compileRules(BUILTIN_CAUSE_RULES, [
      { id: 'payments-db', class: 'source-sink-unavailable', title: 'Payments DB down', runbook: 'https://runbooks.example.com/payments-db', match: { message: 'PAYDB-\\d+' } },
      { id: 'job-cancelled', class: 'user-code', match: { exception: 'JobCancellationException' } },
    ]),
  )
  const v = user.classify({ exception: 'java.lang.IllegalStateException: PAYDB-17 refused the write\n\tat com.example.Pay.write(Pay.java:3)' })
  assert.equal(v.class, 'source-sink-unavailable', 'user rules rank above built-ins (default priority 100)')
  assert.equal(v.title, 'Payments DB down')
  assert.equal(v.runbook, 'https://runbooks.example.com/payments-db')
  assert.equal(user.classify({ exception: 'org.apache.flink.runtime.client.JobCancellationException: Job was cancelled.' }).class, 'user-code', 'same id replaces the built-in')
  assert.throws(() => compileRules([], [{ id: 'bad', class: 'unknown', match: { message: '([' } }]), (e: unknown) => e instanceof CauseRuleError && /causes\.rules\[bad\]\.match\.message/.test(e.message))
})

test('the baseline maps the root class name only (what the benchmark compares with)', () => {
  const b = new KeywordBaseline()
  assert.equal(b.classify({ exception: wrapped('java.lang.OutOfMemoryError: Metaspace') }).class, 'heap-oom', 'no message: every OOM is heap')
  assert.equal(b.classify({ exception: '', pod: { reason: 'OOMKilled', exitCode: 137 } }).class, 'unknown')
})

test('check-config: a bad regular expression in causes.rules is one line naming the rule; the service refuses it', async () => {
  const { checkCausesConfig, causeRules } = await import('../../../src/causes/check.js')
  const { testConfig } = await import('../../helpers/service.js')
  const { ConfigError } = await import('../../../src/core/errors.js')
  assert.deepEqual(checkCausesConfig(testConfig()), [])
  const bad = testConfig({ causes: { rules: [{ id: 'mine', class: 'user-code', match: { log: '(unclosed' } }] } })
  const problems = checkCausesConfig(bad)
  assert.equal(problems.length, 1)
  assert.match(problems[0]!, /^causes\.rules\[mine\]\.match\.log: not a valid regular expression/)
  assert.throws(() => causeRules(bad), (e: unknown) => e instanceof ConfigError)
  assert.throws(() => testConfig({ causes: { rules: [{ id: 'x', class: 'no-such-class', match: { log: 'a' } }] } }))
})
