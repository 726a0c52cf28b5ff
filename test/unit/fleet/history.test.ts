import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, it } from 'node:test'
import { EventBus } from '../../../src/core/event-bus.js'
import { HISTORY_COLLECTION, HistoryRecorder, historyCollection, type HistorySample } from '../../../src/fleet/history.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import type { Store } from '../../../src/storage/store.js'
import { captureLogger } from '../../helpers/service.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { job } from './snapshots.js'

const running = job('c1', 'j1', 'RUNNING', {
  name: 'orders',
  busy: 0.8,
  backpressure: 0.1,
  lag: 1200,
  recordsInPerSec: 100,
  recordsOutPerSec: 90,
  restarts: 2,
  resources: { cpuLoad: 0.2, heapUsedBytes: 100, heapMaxBytes: 400, managedMemoryBytes: 0, gcTimeMsPerSec: 2.5, taskManagers: 1 },
  vertices: [
    { id: 'v1', name: 'Source: orders', parallelism: 2, maxParallelism: 128, status: 'RUNNING', busy: null, backpressure: 0, busySkew: null, recordsInPerSec: 100, recordsOutPerSec: 100, lag: 1200, isSource: true },
    { id: 'v2', name: 'Map', parallelism: 4, maxParallelism: 128, status: 'RUNNING', busy: 0.8, backpressure: 0.1, busySkew: 2, recordsInPerSec: 100, recordsOutPerSec: 90, lag: null, isSource: false },
  ],
})

describe('history recorder', () => {
  let store: Store
  afterEach(async () => store?.close())

  async function setup() {
    store = SqliteStore.open(mkdtempSync(join(tmpdir(), 'fw-history-')))
    await store.init([historyCollection])
    const clock = new FakeClock()
    const bus = new EventBus()
    const counted: string[] = []
    const rec = new HistoryRecorder({
      store,
      bus,
      clock,
      logger: captureLogger().logger,
      sampleIntervalMs: 60_000,
      retentionMs: 24 * 3_600_000,
      counters: { samples: (o, n) => counted.push(`${o}:${n}`) },
    })
    return { clock, bus, rec, counted }
  }

  it('writes one job sample and one per vertex with the documented shape', async () => {
    const { rec, clock } = await setup()
    assert.equal(rec.record([running], clock.now()), 3)
    await rec.flush()
    await store.refresh(HISTORY_COLLECTION)
    const r = await store.query<HistorySample>(HISTORY_COLLECTION, { where: { jobId: 'j1' }, order: 'asc' })
    assert.equal(r.docs.length, 3)
    const jobDoc = r.docs.find((d) => d.body.kind === 'job')!.body
    assert.deepEqual(jobDoc, {
      kind: 'job', cluster: 'c1', jobId: 'j1', jobName: 'orders', vertexId: null, vertexName: null, state: 'RUNNING',
      parallelism: 4, busy: 0.8, backpressure: 0.1, busySkew: null, recordsInPerSec: 100, recordsOutPerSec: 90, lag: 1200,
      cpuLoad: 0.2, heapUsedBytes: 100, heapMaxBytes: 400, gcTimeMsPerSec: 2.5, restarts: 2, at: clock.now(),
    })
    const v2 = (await store.query<HistorySample>(HISTORY_COLLECTION, { where: { vertexId: 'v2' } })).docs[0]!.body
    assert.equal(v2.parallelism, 4)
    assert.equal(v2.busySkew, 2)
    assert.equal(v2.vertexName, 'Map')
  })

  it('samples a job at most once per sampleInterval, and only while RUNNING', async () => {
    const { rec, clock, bus, counted } = await setup()
    await rec.start()
    bus.publish({ type: 'fleet.updated', cluster: 'c1', jobs: [running, job('c1', 'j2', 'FAILED')], at: clock.now() })
    await clock.advance(30_000)
    bus.publish({ type: 'fleet.updated', cluster: 'c1', jobs: [running], at: clock.now() })
    await clock.advance(30_000)
    bus.publish({ type: 'fleet.updated', cluster: 'c1', jobs: [running], at: clock.now() })
    await rec.stop()
    await store.refresh(HISTORY_COLLECTION)
    const jobs = await store.query<HistorySample>(HISTORY_COLLECTION, { where: { kind: 'job' } })
    assert.equal(jobs.docs.length, 2)
    assert.deepEqual(jobs.docs.map((d) => d.body.jobId), ['j1', 'j1'])
    assert.deepEqual(counted, ['written:3', 'written:3'])
  })

  it('spreads the samples of jobs first seen together over the interval, once per interval each', async () => {
    const { rec, clock } = await setup()
    const jobs = Array.from({ length: 60 }, (_, i) => ({ ...running, jobId: `j${i}` }))
    const t0 = clock.now()
    assert.equal(rec.record(jobs, t0), 180)
    const perPoll: number[] = []
    for (let t = 10_000; t <= 120_000; t += 10_000) perPoll.push(rec.record(jobs, t0 + t))
    // two samples per job in the next two minutes; after a one-off catch-up half an interval after the
    // first sighting (jobs whose window began meanwhile), about a sixth of the jobs per 10 s poll
    assert.equal(perPoll.reduce((a, b) => a + b, 0), 360)
    assert.ok(Math.max(...perPoll.slice(3)) <= 60, `samples per poll: ${perPoll.join(', ')}`)
    await rec.flush()
  })

  it('retention deletes samples older than history.retention', async () => {
    const { rec, clock } = await setup()
    rec.record([running], clock.now() - 25 * 3_600_000)
    rec.record([{ ...running, jobId: 'j3' }], clock.now())
    await rec.flush()
    assert.equal(await rec.enforceRetention(), 3)
    await store.refresh(HISTORY_COLLECTION)
    const left = await store.query<HistorySample>(HISTORY_COLLECTION, {})
    assert.deepEqual([...new Set(left.docs.map((d) => d.body.jobId))], ['j3'])
  })
})
