import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { UpstreamError } from '../../../src/core/errors.js'
import { EventBus } from '../../../src/core/event-bus.js'
import { FleetState } from '../../../src/fleet/fleet-state.js'
import type { ServiceEvent } from '../../../src/model/events.js'
import type { JobTransition } from '../../../src/model/job.js'
import { captureLogger } from '../../helpers/service.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { job, snapshot } from './snapshots.js'

const refused = () => new UpstreamError('flink c1', 'http://c1:8081/overview', 'flink c1 GET /overview: ECONNREFUSED')

function setup(downAfter = 3) {
  const clock = new FakeClock()
  const bus = new EventBus()
  const events: ServiceEvent[] = []
  bus.subscribe('*', (e) => events.push(e))
  const errors: string[] = []
  const { logger, lines } = captureLogger()
  const fleet = new FleetState({
    clusters: [
      { id: 'c1', type: 'flink', downAfter, url: 'http://c1:8081', webUiUrl: null },
      { id: 'c2', type: 'flink', downAfter, url: 'http://c2:8081', webUiUrl: null },
    ],
    bus,
    clock,
    logger,
    counters: { error: (c, r) => errors.push(`${c}:${r}`) },
    vanishedRetentionMs: 60_000,
  })
  const transitions = (): JobTransition[] => events.flatMap((e) => (e.type === 'job.transition' ? [e.transition] : []))
  const statuses = () => events.flatMap((e) => (e.type === 'cluster.status' ? [[e.previous, e.status.status] as const] : []))
  return { clock, fleet, events, errors, lines, transitions, statuses }
}

describe('cluster status', () => {
  it('is down only after downAfter consecutive failed probes, and up again on success', () => {
    const t = setup(3)
    t.fleet.applySnapshot('c1', snapshot('c1', []))
    t.fleet.applyFailure('c1', refused())
    t.fleet.applyFailure('c1', refused())
    assert.equal(t.fleet.cluster('c1')?.status, 'up', 'two failures are not enough')
    assert.equal(t.fleet.cluster('c1')?.consecutiveFailures, 2)
    t.fleet.applyFailure('c1', refused())
    assert.equal(t.fleet.cluster('c1')?.status, 'down')
    assert.match(t.fleet.cluster('c1')?.lastError ?? '', /ECONNREFUSED/)
    t.fleet.applySnapshot('c1', snapshot('c1', []))
    assert.equal(t.fleet.cluster('c1')?.status, 'up')
    assert.equal(t.fleet.cluster('c1')?.consecutiveFailures, 0)
    assert.deepEqual(t.statuses(), [[null, 'up'], ['up', 'down'], ['down', 'up']])
    assert.deepEqual(t.errors, ['c1:connect', 'c1:connect', 'c1:connect'])
  })

  it('a success in between resets the count', () => {
    const t = setup(3)
    t.fleet.applySnapshot('c1', snapshot('c1', []))
    t.fleet.applyFailure('c1', refused())
    t.fleet.applyFailure('c1', refused())
    t.fleet.applySnapshot('c1', snapshot('c1', []))
    t.fleet.applyFailure('c1', refused())
    t.fleet.applyFailure('c1', refused())
    assert.equal(t.fleet.cluster('c1')?.status, 'up')
  })

  it('logs a repeated probe error once per change of text', () => {
    const t = setup(5)
    for (let i = 0; i < 4; i++) t.fleet.applyFailure('c1', refused())
    t.fleet.applyFailure('c1', new UpstreamError('flink c1', 'http://c1:8081/overview', 'flink c1 GET /overview: HTTP 500', { status: 500 }))
    const probeLines = t.lines.filter((l) => l.includes('probe of cluster c1 failed'))
    assert.equal(probeLines.length, 2)
    assert.equal(t.errors.length, 5, 'every failure is counted')
    assert.deepEqual(t.errors.slice(-1), ['c1:http_5xx'])
  })

  it('keeps job states as last seen while probes fail', () => {
    const t = setup(1)
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING')]))
    t.fleet.applyFailure('c1', refused())
    assert.equal(t.fleet.cluster('c1')?.status, 'down')
    assert.equal(t.fleet.job('c1', 'j1')?.state, 'RUNNING')
    assert.equal(t.transitions().length, 1, 'only the first appearance')
  })
})

describe('job transitions', () => {
  let t: ReturnType<typeof setup>
  beforeEach(() => {
    t = setup()
  })

  it('publishes appearing jobs (from null) and state changes with the exception', () => {
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING')]))
    const failing = job('c1', 'j1', 'RESTARTING', { restarts: 1, latestException: { timestamp: 5, message: 'java.lang.RuntimeException: poison record', stackTrace: null, taskName: null, location: null } })
    t.fleet.applySnapshot('c1', snapshot('c1', [failing]))
    assert.deepEqual(
      t.transitions().map((x) => [x.jobId, x.from, x.to, x.restarts, x.exception]),
      [
        ['j1', null, 'RUNNING', 0, null],
        ['j1', 'RUNNING', 'RESTARTING', 1, 'java.lang.RuntimeException: poison record'],
      ],
    )
  })

  it('publishes a restart seen only as a grown restart count (from === to)', () => {
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING')]))
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING', { restarts: 2 })]))
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING', { restarts: 2 })]))
    assert.deepEqual(t.transitions().map((x) => [x.from, x.to, x.restarts]), [[null, 'RUNNING', 0], ['RUNNING', 'RUNNING', 2]])
  })

  it('marks a vanished running job UNKNOWN (never FAILED), keeps it for a while, then forgets it', async () => {
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING'), job('c1', 'j2', 'RUNNING')]))
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j2', 'RUNNING')]))
    assert.equal(t.fleet.job('c1', 'j1')?.state, 'UNKNOWN')
    assert.deepEqual(t.transitions().slice(-1).map((x) => [x.jobId, x.from, x.to]), [['j1', 'RUNNING', 'UNKNOWN']])
    await t.clock.advance(60_000)
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j2', 'RUNNING')]))
    assert.equal(t.fleet.job('c1', 'j1'), undefined)
    assert.equal(t.transitions().length, 3)
  })

  it('forgets a finished job Flink expired from its job store without a transition', () => {
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'FINISHED')]))
    t.fleet.applySnapshot('c1', snapshot('c1', []))
    assert.equal(t.fleet.job('c1', 'j1'), undefined)
    assert.equal(t.transitions().length, 1)
  })

  it('a vanished job that comes back transitions from UNKNOWN', () => {
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING')]))
    t.fleet.applySnapshot('c1', snapshot('c1', []))
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING')]))
    assert.deepEqual(t.transitions().map((x) => [x.from, x.to]), [[null, 'RUNNING'], ['RUNNING', 'UNKNOWN'], ['UNKNOWN', 'RUNNING']])
  })

  it('records terminalSince for finished jobs', async () => {
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING')]))
    assert.equal(t.fleet.terminalSince('c1', 'j1'), null)
    await t.clock.advance(5000)
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'CANCELED')]))
    await t.clock.advance(5000)
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'CANCELED')]))
    assert.equal(t.fleet.terminalSince('c1', 'j1'), t.clock.now() - 5000)
  })

  it('publishes fleet.updated with every listed job', () => {
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING')], 42))
    const updated = t.events.filter((e) => e.type === 'fleet.updated')
    assert.equal(updated.length, 1)
    assert.deepEqual(updated.map((e) => (e.type === 'fleet.updated' ? [e.cluster, e.jobs.length, e.at] : [])), [['c1', 1, 42]])
  })
})

describe('failover: a cluster answering with another cluster\'s jobs', () => {
  it('does not mark its own jobs vanished or failed, and counts the probe as failed', () => {
    const t = setup()
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'mine', 'RUNNING')]))
    t.fleet.applySnapshot('c2', snapshot('c2', [job('c2', 'theirs', 'RUNNING')]))
    // c1's address now reaches c2's JobManager.
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'theirs', 'RUNNING')]))
    assert.equal(t.fleet.job('c1', 'mine')?.state, 'RUNNING')
    assert.equal(t.fleet.job('c1', 'theirs'), undefined)
    assert.equal(t.fleet.cluster('c1')?.consecutiveFailures, 1)
    assert.match(t.fleet.cluster('c1')?.lastError ?? '', /answered with 1 job\(s\) of cluster c2/)
    assert.deepEqual(t.errors, ['c1:foreign_jobs'])
    assert.ok(!t.transitions().some((x) => x.to === 'UNKNOWN' || x.to === 'FAILED'))
  })

  it('ignores foreign jobs mixed with its own', () => {
    const t = setup()
    t.fleet.applySnapshot('c2', snapshot('c2', [job('c2', 'theirs', 'RUNNING')]))
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'mine', 'RUNNING'), job('c1', 'theirs', 'RUNNING')]))
    assert.deepEqual(t.fleet.jobs({ cluster: 'c1' }).map((j) => j.jobId), ['mine'])
    assert.equal(t.fleet.cluster('c1')?.jobs.total, 1)
    assert.equal(t.fleet.cluster('c1')?.status, 'up')
  })
})

describe('warnings and filters', () => {
  it('counts every warning, logs each distinct text once', () => {
    const t = setup()
    const w = { reason: 'timeout' as const, message: 'flink c1 GET /jobs/j1/checkpoints timed out after 5000 ms', jobId: 'j1' }
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING')], 0, { warnings: [w] }))
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'j1', 'RUNNING')], 0, { warnings: [w] }))
    assert.deepEqual(t.errors, ['c1:timeout', 'c1:timeout'])
    assert.equal(t.lines.filter((l) => l.includes('timed out after 5000 ms')).length, 1)
  })

  it('filters jobs by cluster, state and name/id substring', () => {
    const t = setup()
    t.fleet.applySnapshot('c1', snapshot('c1', [job('c1', 'aa', 'RUNNING', { name: 'Orders-Enricher' }), job('c1', 'bb', 'FAILED', { name: 'payments' })]))
    t.fleet.applySnapshot('c2', snapshot('c2', [job('c2', 'cc', 'RUNNING', { name: 'orders-audit' })]))
    assert.deepEqual(t.fleet.jobs({ q: 'ORDERS' }).map((j) => j.jobId), ['aa', 'cc'])
    assert.deepEqual(t.fleet.jobs({ state: 'FAILED' }).map((j) => j.jobId), ['bb'])
    assert.deepEqual(t.fleet.jobs({ cluster: 'c2' }).map((j) => j.jobId), ['cc'])
    assert.deepEqual(t.fleet.jobs({ q: 'bb' }).map((j) => j.jobId), ['bb'])
  })
})
