/** Payloads recorded from the stack's Flink 1.20 (test/fixtures/flink/1.20/*.real.json) decode as expected. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Value } from '@sinclair/typebox/value'
import { aggregateMap, metricMap, checkpointIntervalMs, decodeCheckpoints, decodeExceptions, decodeVertices, restartsFromHistory } from '../../../../platforms/flink/flink-decode.js'
import { discoverSourceIds } from '../../../../platforms/flink/job-manager-poller.js'
import { AggregatedMetrics, CheckpointConfig, Checkpoints, Exceptions, JobDetails, JobsOverview, MetricList, Overview } from '../../../../platforms/flink/flink-schemas.js'
import { fixture } from './fake-flink.js'

function decode<T>(schema: Parameters<typeof Value.Check>[0], name: string): T {
  const v = fixture('1.20', `${name}.real`)
  assert.ok(Value.Check(schema, v), `${name}: ${JSON.stringify([...Value.Errors(schema, v)][0])}`)
  return v as T
}

describe('recorded Flink 1.20 payloads', () => {
  it('cluster overview and job list decode', () => {
    const ov = decode<{ 'flink-version': string; 'slots-total': number }>(Overview, 'overview')
    assert.match(ov['flink-version'], /^1\.20\./)
    assert.equal(typeof ov['slots-total'], 'number')
    const jobs = decode<JobsOverview>(JobsOverview, 'jobs-overview')
    assert.ok(jobs.jobs.length > 0)
  })

  it('the failed test job: root cause of "Recovery is suppressed", restarts from the history', () => {
    const dto = decode<Exceptions>(Exceptions, 'exceptions-failed')
    const list = decodeExceptions(dto, 5)
    assert.equal(list[0]?.message, 'java.lang.RuntimeException: poison record received (key=poison)')
    assert.equal(list[1]?.message, 'java.lang.RuntimeException: poison record received (key=poison)')
    assert.equal(list[1]?.location, 'localhost:37007')
    assert.match(list[1]?.taskName ?? '', /^count-per-key/)
    assert.equal(restartsFromHistory(dto, 'FAILED'), 2, 'maxNumberRestartAttempts=2')
    assert.equal(restartsFromHistory(dto, 'RUNNING'), 3)
  })

  it('vertices with source/sink roles from the plan, checkpoints and their config', () => {
    const vs = decodeVertices(decode<JobDetails>(JobDetails, 'failed-job-details'))
    assert.ok(vs.length >= 2)
    assert.equal(vs.filter((v) => v.isSource).length, 1)
    assert.equal(vs[0]?.isSource, true)
    assert.equal(vs.at(-1)?.isSink, true)
    const cfg = decode<CheckpointConfig>(CheckpointConfig, 'checkpoints-config')
    assert.equal(checkpointIntervalMs(cfg), 2000)
    const cp = decodeCheckpoints(decode<Checkpoints>(Checkpoints, 'checkpoints-failed-job'), 2000)
    assert.ok(cp.completed >= 1)
    assert.ok(cp.lastCompleted && cp.lastCompleted.completedAt > 0)
  })

  it('TaskManager aggregated metrics are numbers in exponent notation', () => {
    const m = aggregateMap(decode<AggregatedMetrics>(AggregatedMetrics, 'taskmanagers-metrics'))
    assert.equal(m.get('Status.JVM.Memory.Heap.Max')?.sum, 536870912)
    assert.ok((m.get('Status.JVM.CPU.Load')?.avg ?? -1) >= 0)
  })

  it('the running test job: Kafka source metric ids discovered, lag and input rate read', () => {
    const vs = decodeVertices(decode<JobDetails>(JobDetails, 'job-details'))
    assert.deepEqual(vs.map((v) => [v.name, v.isSource, v.isSink]), [['Source: kafka-source', true, false], ['count-per-key -> kafka-sink: Writer -> kafka-sink: Committer', false, true]])
    const ids = discoverSourceIds(decode<MetricList>(MetricList, 'vertex-metric-ids-source'), 0)
    assert.equal(ids.lag, 'Source__kafka-source.pendingRecords')
    assert.equal(ids.lagAgg, 'sum')
    assert.equal(ids.recordsIn, 'Source__kafka-source.numRecordsInPerSecond')
    const m = aggregateMap(decode<AggregatedMetrics>(AggregatedMetrics, 'vertex-metrics-source'))
    assert.equal(m.get('Source__kafka-source.pendingRecords')?.sum, 0)
    assert.ok((m.get('Source__kafka-source.numRecordsInPerSecond')?.sum ?? 0) > 0)
    assert.equal(metricMap(decode<MetricList>(MetricList, 'job-metrics')).get('numRestarts'), 0)
  })
})
