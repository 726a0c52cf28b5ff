import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { EventBus } from '../../../src/core/event-bus.js'
import { FleetState } from '../../../src/fleet/fleet-state.js'
import { jobsTopic } from '../../../src/fleet/jobs-topic.js'
import { renderExposition } from '../../../src/metrics/exposition.js'
import { registerFleetMetrics } from '../../../src/metrics/fleet-exporter.js'
import type { StreamMessage } from '../../../src/stream/stream-hub.js'
import { captureLogger } from '../../helpers/service.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { job, snapshot } from './snapshots.js'

function setup() {
  const clock = new FakeClock()
  const bus = new EventBus()
  const registry = new Registry()
  const fleet = new FleetState({
    clusters: [
      { id: 'c1', type: 'flink', downAfter: 1, url: null, webUiUrl: null },
      { id: 'c2', type: 'flink', downAfter: 1, url: null, webUiUrl: null },
    ],
    bus,
    clock,
    logger: captureLogger().logger,
  })
  const metrics = registerFleetMetrics({ registry, view: fleet, clock, clusters: ['c1', 'c2'], finishedJobTtlMs: 60_000 })
  const lines = async (name: string) => (await registry.metrics()).split('\n').filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' '))
  return { clock, bus, fleet, metrics, registry, lines }
}

describe('fleet exporter', () => {
  it('exports cluster up only once a probe decided, then 1/0', async () => {
    const t = setup()
    assert.deepEqual(await t.lines('flinkwatch_cluster_up'), [])
    t.fleet.applySnapshot('c1', snapshot('c1', []))
    t.fleet.applyFailure('c2', new Error('down'))
    assert.deepEqual(await t.lines('flinkwatch_cluster_up'), ['flinkwatch_cluster_up{cluster="c1"} 1', 'flinkwatch_cluster_up{cluster="c2"} 0'])
  })

  it('exports one job_state series per job (value 1, current state) and job figures', async () => {
    const t = setup()
    const completedAt = t.clock.now() - 30_000
    const j = job('c1', 'j1', 'RUNNING', {
      name: 'orders',
      restarts: 4,
      lag: 1200,
      busy: 0.5,
      backpressure: 0.25,
      checkpoints: {
        completed: 10,
        failed: 2,
        inProgress: 0,
        intervalMs: 2000,
        lastCompleted: { id: 10, completedAt, durationMs: 1500, sizeBytes: 2048, externalPath: null, isSavepoint: false },
        lastSavepoint: null,
        lastFailedAt: null,
        lastFailureMessage: null,
      },
    })
    t.fleet.applySnapshot('c1', snapshot('c1', [j]))
    const labels = 'cluster="c1",job_id="j1",job_name="orders"'
    assert.deepEqual(await t.lines('flinkwatch_job_state'), [`flinkwatch_job_state{${labels},state="RUNNING"} 1`])
    assert.deepEqual(await t.lines('flinkwatch_job_restarts'), [`flinkwatch_job_restarts{${labels}} 4`])
    assert.deepEqual(await t.lines('flinkwatch_job_last_checkpoint_age_seconds'), [`flinkwatch_job_last_checkpoint_age_seconds{${labels}} 30`])
    assert.deepEqual(await t.lines('flinkwatch_job_last_checkpoint_duration_seconds'), [`flinkwatch_job_last_checkpoint_duration_seconds{${labels}} 1.5`])
    assert.deepEqual(await t.lines('flinkwatch_job_last_checkpoint_size_bytes'), [`flinkwatch_job_last_checkpoint_size_bytes{${labels}} 2048`])
    assert.deepEqual(await t.lines('flinkwatch_job_checkpoints_failed'), [`flinkwatch_job_checkpoints_failed{${labels}} 2`])
    assert.deepEqual(await t.lines('flinkwatch_job_kafka_lag_records'), [`flinkwatch_job_kafka_lag_records{${labels}} 1200`])
    assert.deepEqual(await t.lines('flinkwatch_job_busy_ratio'), [`flinkwatch_job_busy_ratio{${labels}} 0.5`])
    assert.deepEqual(await t.lines('flinkwatch_job_backpressure_ratio'), [`flinkwatch_job_backpressure_ratio{${labels}} 0.25`])
    // a state change replaces the series instead of leaving the old state behind
    t.fleet.applySnapshot('c1', snapshot('c1', [{ ...j, state: 'RESTARTING' }]))
    assert.deepEqual(await t.lines('flinkwatch_job_state'), [`flinkwatch_job_state{${labels},state="RESTARTING"} 1`])
    assert.deepEqual(await t.lines('flinkwatch_job_kafka_lag_records'), [`flinkwatch_job_kafka_lag_records{${labels}} 1200`])
  })

  it('writes every job series of a family, one line each, skipping jobs without a value', async () => {
    const t = setup()
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING', { name: 'a', lag: 5 }), job('c1', 'j2', 'RUNNING', { name: 'b', lag: null }), job('c1', 'j3', 'FAILED', { name: 'c', lag: 7 })]))
    t.fleet.applySnapshot('c2', snapshot('c2', [job('c2', 'j4', 'RUNNING', { name: 'd', lag: null })]))
    const text = await t.registry.metrics()
    const block = text.slice(text.indexOf('# HELP flinkwatch_job_kafka_lag_records'), text.indexOf('# HELP flinkwatch_job_backpressure_ratio'))
    assert.equal(
      block,
      '# HELP flinkwatch_job_kafka_lag_records Kafka source lag in records (pendingRecords, or records-lag-max)\n# TYPE flinkwatch_job_kafka_lag_records gauge\n' +
        'flinkwatch_job_kafka_lag_records{cluster="c1",job_id="j1",job_name="a"} 5\nflinkwatch_job_kafka_lag_records{cluster="c1",job_id="j3",job_name="c"} 7\n\n',
    )
    // a family without any series is its HELP and TYPE lines only, as prom-client writes it
    assert.match(text, /# TYPE flinkwatch_job_heap_used_bytes gauge\n\n# HELP flinkwatch_job_heap_max_bytes /)
    // the JSON form still lists the series one by one
    const json = (await t.registry.getMetricsAsJSON()).find((m) => m.name === 'flinkwatch_job_state')
    assert.equal(json?.values.length, 4)
  })

  it('escapes label values like prom-client and keeps registry default labels', async () => {
    const t = setup()
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING', { name: 'say "hi"\\now\nnext', restarts: 1 })]))
    assert.deepEqual(await t.lines('flinkwatch_job_restarts'), ['flinkwatch_job_restarts{cluster="c1",job_id="j1",job_name="say \\"hi\\"\\\\now\\nnext"} 1'])
    t.registry.setDefaultLabels({ instance: 'fw-1' })
    assert.deepEqual(await t.lines('flinkwatch_job_restarts'), ['flinkwatch_job_restarts{cluster="c1",job_id="j1",job_name="say \\"hi\\"\\\\now\\nnext",instance="fw-1"} 1'])
  })

  it('expires the series of a finished job after the TTL', async () => {
    const t = setup()
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'CANCELED', { restarts: 1 })]))
    assert.equal((await t.lines('flinkwatch_job_state')).length, 1)
    await t.clock.advance(60_000)
    assert.deepEqual(await t.lines('flinkwatch_job_state'), [])
    assert.deepEqual(await t.lines('flinkwatch_job_restarts'), [])
    assert.equal(t.fleet.jobs().length, 1, 'the API still lists it')
  })

  it('counts collector errors, requests and poll durations per cluster', async () => {
    const t = setup()
    t.metrics.error('c1', 'timeout')
    t.metrics.requests('c1', 12)
    t.metrics.pollDuration('c1', 0.2, 'success')
    const text = await t.registry.metrics()
    assert.match(text, /flinkwatch_collector_errors_total\{cluster="c1",reason="timeout"\} 1/)
    assert.match(text, /flinkwatch_collector_errors_total\{cluster="c2",reason="timeout"\} 0/)
    assert.match(text, /flinkwatch_collector_requests_total\{cluster="c1"\} 12/)
    assert.match(text, /flinkwatch_collector_poll_duration_seconds_count\{cluster="c1",outcome="success"\} 1/)
  })

  it('renders /metrics as the same bytes registry.metrics() returns, written in place', async () => {
    const t = setup()
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING', { name: 'ä "b"\\n', lag: 5 }), job('c1', 'j3', 'FAILED', { name: 'c', lag: 7 })]))
    t.fleet.applyFailure('c2', new Error('down'))
    t.metrics.requests('c1', 3)
    const text = await t.registry.metrics()
    assert.ok(text.includes('flinkwatch_job_kafka_lag_records{cluster="c1",job_id="j1",job_name="ä \\"b\\"\\\\n"} 5'))
    assert.equal((await renderExposition(t.registry)).toString('utf8'), text)
    // a body bigger than the first buffer grows it, and later scrapes are sized from the last one
    t.fleet.applySnapshot('c2', snapshot('c2', Array.from({ length: 400 }, (_, i) => job('c2', `k${i}`, 'RUNNING', { name: `n${i}`, lag: i }))))
    const big = await t.registry.metrics()
    assert.ok(big.length > 65_536)
    assert.equal((await renderExposition(t.registry)).toString('utf8'), big)
    assert.equal((await renderExposition(t.registry)).toString('utf8'), big)
    // default labels are merged by prom-client
    t.registry.setDefaultLabels({ instance: 'x' })
    assert.equal((await renderExposition(t.registry)).toString('utf8'), await t.registry.metrics())
  })
})

describe('jobs stream topic', () => {
  it('pushes transitions, filtered by cluster; rejects an unknown cluster', () => {
    const t = setup()
    const topic = jobsTopic(t.bus, t.fleet)
    const all: StreamMessage[] = []
    const c2: StreamMessage[] = []
    topic.subscribe({}, (m) => all.push(m))
    const remove = topic.subscribe({ cluster: 'c2' }, (m) => c2.push(m))
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING')]))
    t.fleet.applySnapshot('c2', snapshot('c2', [job('c2', 'j2', 'FAILED')]))
    const transitions = (ms: StreamMessage[]) => ms.filter((m) => m.type === 'transition')
    assert.deepEqual(transitions(all).map((m) => [m.topic, m.type, (m.data as { jobId: string }).jobId]), [['jobs', 'transition', 'j1'], ['jobs', 'transition', 'j2']])
    assert.deepEqual(transitions(c2).map((m) => (m.data as { to: string }).to), ['FAILED'])
    remove()
    t.fleet.applySnapshot('c2', snapshot('c2', [job('c2', 'j2', 'FAILED'), job('c2', 'j3', 'RUNNING')]))
    assert.equal(transitions(c2).length, 1)
    assert.throws(() => topic.subscribe({ cluster: 'nope' }, () => {}), /unknown cluster nope/)
  })

  it('sends the summaries that changed after each poll, once per job, and cluster changes', () => {
    const t = setup()
    const topic = jobsTopic(t.bus, t.fleet)
    const got: StreamMessage[] = []
    const only: StreamMessage[] = []
    topic.subscribe({}, (m) => got.push(m))
    topic.subscribe({ cluster: 'c1', job: 'j2' }, (m) => only.push(m))
    const j1 = job('c1', 'j1', 'RUNNING', { lag: 10 })
    const j2 = job('c1', 'j2', 'RUNNING', { lag: 20 })
    t.fleet.applySnapshot('c1', snapshot('c1', [j1, j2]))
    const updates = () => got.filter((m) => m.type === 'updates').map((m) => (m.data as { jobs: { jobId: string; lag: number; restartsLastHour: number; uptimeMs: number | null }[] }).jobs)
    assert.deepEqual(updates().map((js) => js.map((j) => j.jobId)), [['j1', 'j2']])
    // Same snapshot objects (nothing changed): no update. One job changed: only it.
    t.fleet.applySnapshot('c1', snapshot('c1', [j1, j2]))
    assert.equal(updates().length, 1)
    t.fleet.applySnapshot('c1', snapshot('c1', [j1, { ...j2, lag: 25, restarts: 1 }]))
    assert.deepEqual(updates()[1]!.map((j) => [j.jobId, j.lag, j.restartsLastHour]), [['j2', 25, 1]])
    assert.equal(typeof updates()[1]![0]!.uptimeMs, 'number')
    assert.deepEqual(only.filter((m) => m.type === 'updates').map((m) => (m.data as { jobs: { jobId: string }[] }).jobs.map((j) => j.jobId)), [['j2'], ['j2']])
    // The cluster went up with its first poll: one cluster message, not one per poll.
    const clusters = got.filter((m) => m.type === 'cluster').map((m) => m.data as { id: string; status: string })
    assert.deepEqual(clusters.map((c) => [c.id, c.status]), [['c1', 'up']])
    t.fleet.applyFailure('c1', new Error('connect ECONNREFUSED'))
    const after = got.filter((m) => m.type === 'cluster').map((m) => m.data as { id: string; status: string })
    assert.deepEqual(after.map((c) => [c.id, c.status]), [['c1', 'up'], ['c1', 'down']])
  })
})
