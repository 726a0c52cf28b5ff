import { test } from 'node:test'
import assert from 'node:assert/strict'
import { foldFrames, isFrameworkFrame, parseChain, rootLink } from '../../../src/causes/chain.js'

const TRACE = [
  'org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy',
  '\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:180)',
  'Caused by: java.lang.RuntimeException: poison record received (key=k)',
  '\tat flinkwatch.testjob.TestJob$CountPerKey.processElement(TestJob.java:143)',
  '\tat flinkwatch.testjob.TestJob$CountPerKey.processElement(TestJob.java:115)',
  '\tat org.apache.flink.streaming.api.operators.KeyedProcessOperator.processElement(KeyedProcessOperator.java:83)',
  '\tat org.apache.flink.streaming.runtime.tasks.OneInputStreamTask$StreamTaskNetworkOutput.emitRecord(OneInputStreamTask.java:238)',
  '\tat java.lang.Thread.run(Thread.java:840)',
  '\tSuppressed: java.io.IOException: close failed',
  '\t\tat com.example.Other.close(Other.java:1)',
  '\t... 12 more',
].join('\n')

test('parseChain: outermost first, every Caused by, frames per link, Suppressed skipped', () => {
  const chain = parseChain(TRACE)
  assert.equal(chain.length, 2)
  assert.equal(chain[0]!.className, 'org.apache.flink.runtime.JobException')
  assert.equal(chain[1]!.className, 'java.lang.RuntimeException')
  assert.equal(chain[1]!.message, 'poison record received (key=k)')
  assert.equal(chain[1]!.frames.length, 5, 'the suppressed exception’s frames are not the cause’s')
  assert.equal(rootLink(chain)!.simpleName, 'RuntimeException')
})

test('parseChain: SerializedThrowable is unwrapped, log prefixes and multi-line messages are read', () => {
  const c = parseChain('Caused by: org.apache.flink.util.SerializedThrowable: java.lang.OutOfMemoryError: Java heap space')
  assert.equal(c[0]!.className, 'java.lang.OutOfMemoryError')
  const l = parseChain('2024-01-01 10:00:00,000 ERROR org.apache.flink.runtime.taskmanager.Task [] - Task failed\njava.lang.IllegalStateException: first line\nsecond line\n\tat com.example.A.b(A.java:1)')
  assert.equal(l.at(-1)!.className, 'java.lang.IllegalStateException')
  assert.equal(l.at(-1)!.message, 'first line\nsecond line')
  assert.equal(parseChain('Exception in thread "main" java.lang.OutOfMemoryError: Metaspace')[0]!.className, 'java.lang.OutOfMemoryError')
})

test('framework frames: Flink, JDK, Scala, Kafka clients, codegen are folded; the job’s are kept', () => {
  for (const f of ['org.apache.flink.runtime.taskmanager.Task.run(Task.java:1)', 'java.lang.Thread.run(Thread.java:1)', 'scala.Option.get(Option.scala:1)', 'sun.reflect.X.y(Unknown Source)', 'jdk.internal.misc.Unsafe.park(Native Method)', 'org.apache.kafka.clients.consumer.KafkaConsumer.poll(KafkaConsumer.java:1)', 'StreamExecCalc$12.processElement(Unknown Source)']) assert.ok(isFrameworkFrame(f), f)
  for (const f of ['flinkwatch.testjob.TestJob$CountPerKey.processElement(TestJob.java:143)', 'com.example.orders.Enrich.map(Enrich.java:42)']) assert.ok(!isFrameworkFrame(f), f)
  const frames = parseChain(TRACE)[1]!.frames
  assert.deepEqual(foldFrames(frames), [
    'at flinkwatch.testjob.TestJob$CountPerKey.processElement(TestJob.java:143)',
    'at flinkwatch.testjob.TestJob$CountPerKey.processElement(TestJob.java:115)',
    '… 3 framework frames',
  ])
  assert.deepEqual(foldFrames(['org.apache.flink.A.b(A.java:1)', 'com.example.C.d(C.java:2)']), ['… 1 framework frame', 'at com.example.C.d(C.java:2)'])
})
