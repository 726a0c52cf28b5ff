import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { buildApp } from '../../../src/app.js'
import { EventBus } from '../../../src/core/event-bus.js'
import { FleetState } from '../../../src/fleet/fleet-state.js'
import { HISTORY_COLLECTION, historyCollection, historySamples } from '../../../src/fleet/history.js'
import { readJobHistory, thin } from '../../../src/fleet/job-history.js'
import { jobTimeline } from '../../../src/fleet/job-timeline.js'
import { JobTrendTracker } from '../../../src/fleet/job-trends.js'
import { TRANSITIONS_COLLECTION, TransitionRecorder, transitionsCollection } from '../../../src/fleet/transitions.js'
import { TokenAuth } from '../../../src/http/auth.js'
import { jobRoutes } from '../../../src/http/routes/jobs.js'
import { buildHttpServer, type Api } from '../../../src/http/server.js'
import { restorePointCandidates } from '../../../src/lifecycle/restore-point-catalog.js'
import type { RestorePoint } from '../../../src/model/operation.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import type { Store } from '../../../src/storage/store.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { captureLogger, testConfig } from '../../helpers/service.js'
import { job, snapshot } from '../fleet/snapshots.js'

const cp = (id: number, completedAt: number, path: string, isSavepoint = false) => ({ id, completedAt, durationMs: 40, sizeBytes: 4096, externalPath: path, isSavepoint })
const T0 = 1_767_225_600_000

describe('job page API: history, timeline, restore points', () => {
  let store: Store
  let http: Api
  const clock = new FakeClock(T0)
  const bus = new EventBus()
  const { logger } = captureLogger()
  const fleet = new FleetState({ clusters: [{ id: 'prod', type: 'flink', downAfter: 1, url: null, webUiUrl: null }], bus, clock, logger })
  const remembered: RestorePoint = { path: 'file:/sp/old-instance', kind: 'savepoint', completedAt: T0 - 50_000, jobId: 'gone' }
  before(async () => {
    store = SqliteStore.open(mkdtempSync(join(tmpdir(), 'fw-jobpages-')))
    await store.init([historyCollection, transitionsCollection])
    const recorder = new TransitionRecorder({ store, bus, clock, logger, retentionMs: 3_600_000, retentionSchedule: '0 0 1 1 *' })
    await recorder.start()
    fleet.applySnapshot('prod', snapshot('prod', [job('prod', 'a1', 'RUNNING', { name: 'orders' })], T0))
    await clock.advance(10_000)
    fleet.applySnapshot('prod', snapshot('prod', [job('prod', 'a1', 'RUNNING', { name: 'orders', restarts: 1 })], clock.now()))
    await clock.advance(10_000)
    const checkpoints = { completed: 3, failed: 2, inProgress: 0, intervalMs: 1000, lastCompleted: cp(3, clock.now() - 1000, 'file:/cp/chk-3'), lastSavepoint: cp(2, clock.now() - 5000, 'file:/sp/sp-2', true), lastFailedAt: clock.now() - 500, lastFailureMessage: 'Checkpoint expired' }
    const failed = job('prod', 'a1', 'FAILED', { name: 'orders', restarts: 1, checkpoints, exceptions: [{ timestamp: clock.now() - 100, message: 'java.lang.RuntimeException: poison <script>', stackTrace: null, taskName: 'Map (1/1)', location: null }] })
    fleet.applySnapshot('prod', snapshot('prod', [failed, job('prod', 'b2', 'RUNNING', { name: 'orders', checkpoints: { ...checkpoints, lastCompleted: cp(9, clock.now() - 3000, 'file:/cp/b2-chk-9'), lastSavepoint: null } })], clock.now()))
    await recorder.stop()
    // 30 job samples one minute apart, plus vertex samples that must not show up.
    const docs = []
    for (let i = 0; i < 30; i++) {
      const at = T0 - 30 * 60_000 + i * 60_000
      const j = job('prod', 'a1', 'RUNNING', { name: 'orders', lag: i * 10, checkpoints: { ...checkpoints, lastCompleted: cp(i, at, 'x') }, vertices: [{ id: 'v1', name: 'Source', parallelism: 2, maxParallelism: 8, status: 'RUNNING', busy: 0.1, backpressure: 0, busySkew: 1, recordsInPerSec: 5, recordsOutPerSec: 5, lag: 1, isSource: true }] })
      for (const s of historySamples(j, at)) docs.push({ id: `${s.vertexId ?? 'job'}/${at}`, timestamp: at, body: s })
    }
    await store.write(HISTORY_COLLECTION, docs)
    http = await buildHttpServer({
      logger,
      registry: new Registry(),
      auth: new TokenAuth({ tokens: [] }),
      readiness: async () => ({ ready: true, components: {} }),
      version: 'test',
      routes: [
        jobRoutes(fleet, clock, {
          history: (q) => readJobHistory(store, q),
          timeline: (j, q) =>
            jobTimeline(
              {
                store,
                audit: async () => [{ id: 'e1', at: T0 + 15_000, who: 'alice', action: 'savepoint', cluster: 'prod', jobId: 'a1', jobName: 'orders', outcome: 'succeeded', message: 'savepoint at file:/sp/x', operationId: 'op1', details: {} }],
                incidents: async () => [{ id: 'i1', rule: 'job-failed', severity: 'critical', state: 'firing', cluster: 'prod', jobId: 'a1', jobName: 'orders', summary: 'orders FAILED', startsAt: T0 + 19_950, endsAt: null, labels: {}, figures: {} }],
              },
              j,
              q,
            ),
          restorePoints: (c, id) => restorePointCandidates(fleet, { get: async () => remembered, remember: async () => {} }, c, id),
        }),
      ],
    })
  })
  after(async () => {
    await http.close()
    await store.close()
  })
  const get = (url: string) => http.inject({ method: 'GET', url })

  it('history: job samples of the range, oldest first, with checkpoint figures; vertex samples left out', async () => {
    const r = await get(`/api/v1/jobs/prod/a1/history?from=${T0 - 10 * 60_000}&to=${new Date(T0).toISOString()}`)
    assert.equal(r.statusCode, 200)
    const { samples } = r.json() as { samples: { at: number; lag: number; checkpointDurationMs: number; state: string; parallelism: number }[] }
    assert.equal(samples.length, 10)
    assert.deepEqual(samples.map((s) => s.lag), [200, 210, 220, 230, 240, 250, 260, 270, 280, 290])
    assert.equal(samples[0]!.checkpointDurationMs, 40)
    assert.equal(samples[0]!.parallelism, 2)
    // Default range: the last hour before now.
    assert.equal(((await get('/api/v1/jobs/prod/a1/history')).json() as { samples: unknown[] }).samples.length, 30)
  })

  it('history thins to at most the maximum, keeping the newest', async () => {
    assert.deepEqual(thin([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3), [3, 6, 10])
    assert.deepEqual(thin([1, 2], 3), [1, 2])
    const points = await readJobHistory(store, { cluster: 'prod', jobId: 'a1', from: 0, to: T0 + 1, max: 7 })
    assert.equal(points.length, 7)
    assert.equal(points.at(-1)!.lag, 290)
  })

  it('timeline: transitions, restart, failure, checkpoints, action and incident, newest first', async () => {
    const r = await get(`/api/v1/jobs/prod/a1/timeline?from=${T0}`)
    assert.equal(r.statusCode, 200)
    const { events } = r.json() as { events: { at: number; kind: string; from: string | null; to: string | null; message: string }[] }
    assert.deepEqual(
      events.map((e) => [e.at - T0, e.kind, e.from, e.to]),
      [
        [20_000, 'state', 'RUNNING', 'FAILED'],
        [19_950, 'incident', null, 'firing'],
        [19_900, 'failure', null, null],
        [19_500, 'checkpoint-failed', null, null],
        [19_000, 'checkpoint', null, null],
        [15_000, 'action', null, null],
        [15_000, 'checkpoint', null, null],
        [10_000, 'restart', 'RUNNING', 'RUNNING'],
        [0, 'state', null, 'RUNNING'],
      ],
    )
    assert.equal(events[2]!.message, 'java.lang.RuntimeException: poison <script> (in Map (1/1))')
    assert.match(events[3]!.message, /Checkpoint expired \(2 failed in total\)/)
    assert.match(events[5]!.message, /^savepoint succeeded by alice/)
    // limit and range
    assert.equal(((await get(`/api/v1/jobs/prod/a1/timeline?from=${T0}&limit=2`)).json() as { events: unknown[] }).events.length, 2)
    assert.deepEqual(((await get(`/api/v1/jobs/prod/a1/timeline?from=${T0}&to=${T0 + 10_001}`)).json() as { events: { kind: string }[] }).events.map((e) => e.kind), ['restart', 'state'])
  })

  it('restore points: every instance of the job and the remembered one, newest first, savepoint first on a tie', async () => {
    const r = await get('/api/v1/jobs/prod/a1/restore-points')
    assert.equal(r.statusCode, 200)
    const { restorePoints } = r.json() as { restorePoints: { path: string; kind: string; at: number; source: string }[] }
    assert.deepEqual(
      restorePoints.map((p) => [p.path, p.kind, p.at - T0, p.source]),
      [
        ['file:/cp/chk-3', 'checkpoint', 19_000, 'job a1'],
        ['file:/cp/b2-chk-9', 'checkpoint', 17_000, 'job b2'],
        ['file:/sp/sp-2', 'savepoint', 15_000, 'job a1'],
        ['file:/sp/old-instance', 'savepoint', -50_000, 'remembered'],
      ],
    )
  })

  for (const path of ['history', 'timeline', 'restore-points']) {
    it(`${path}: 404 for an unknown job or cluster, 400 for a bad time or limit`, async () => {
      const job404 = await get(`/api/v1/jobs/prod/nope/${path}`)
      assert.equal(job404.statusCode, 404)
      assert.deepEqual(job404.json(), { statusCode: 404, error: 'Not Found', message: 'no job nope on cluster prod' })
      assert.equal((await get(`/api/v1/jobs/qa/a1/${path}`)).json().message, 'no cluster qa')
      if (path === 'restore-points') return
      const bad = await get(`/api/v1/jobs/prod/a1/${path}?from=yesterday`)
      assert.equal(bad.statusCode, 400)
      assert.match(bad.json().message, /^from must be epoch milliseconds or an ISO-8601 time/)
    })
  }

  it('timeline: 400 for a limit out of range', async () => {
    assert.equal((await get('/api/v1/jobs/prod/a1/timeline?limit=0')).statusCode, 400)
    assert.equal((await get('/api/v1/jobs/prod/a1/timeline?limit=1001')).statusCode, 400)
  })

  it('transitions are stored with their job, from and to', async () => {
    const r = await store.query(TRANSITIONS_COLLECTION, { where: { jobId: 'b2' } })
    assert.deepEqual(r.docs.map((d) => [d.body['from'], d.body['to'], d.body['jobName']]), [[null, 'RUNNING', 'orders']])
  })
})

describe('job trends', () => {
  it('counts restarts of the last hour and gives the lag trend per minute', () => {
    const t = new JobTrendTracker()
    const now = T0
    let prev = job('c', 'j', 'RUNNING', { lag: 1000, restarts: 0 })
    t.observe(prev, undefined, now)
    assert.deepEqual(t.trend('c', 'j', prev, now), { restartsLastHour: 0, lagTrend: null })
    for (let i = 1; i <= 8; i++) {
      const next = job('c', 'j', 'RUNNING', { lag: 1000 + i * 500, restarts: i === 4 ? 2 : prev.restarts })
      t.observe(next, prev, now + i * 30_000)
      prev = next
    }
    // 4 minutes, +4,000 records: 1,000 records per minute; two restarts at once count two.
    assert.deepEqual(t.trend('c', 'j', prev, now + 240_000), { restartsLastHour: 2, lagTrend: 1000 })
    // An hour later the restarts are out of the window; the lag has not moved since: trend 0.
    assert.deepEqual(t.trend('c', 'j', prev, now + 240_000 + 3_600_000), { restartsLastHour: 0, lagTrend: 0 })
    t.observe(job('c', 'j', 'RUNNING', { lag: null }), prev, now + 300_000)
    assert.equal(t.trend('c', 'j', job('c', 'j', 'RUNNING', { lag: null }), now + 300_000).lagTrend, null)
    assert.deepEqual(t.trend('c', 'other', undefined, now), { restartsLastHour: 0, lagTrend: null })
  })

  it('FleetState feeds the tracker: restarts between polls show in the job summary', async () => {
    const clock = new FakeClock(T0)
    const fleet = new FleetState({ clusters: [{ id: 'c', type: 'flink', downAfter: 1, url: null, webUiUrl: null }], bus: new EventBus(), clock, logger: captureLogger().logger })
    fleet.applySnapshot('c', snapshot('c', [job('c', 'j', 'RUNNING', { restarts: 3 })]))
    await clock.advance(5000)
    fleet.applySnapshot('c', snapshot('c', [job('c', 'j', 'RUNNING', { restarts: 5 })]))
    assert.equal(fleet.trend('c', 'j').restartsLastHour, 2, 'restarts before flinkwatch saw the job are not counted')
  })
})

describe('whoami', () => {
  it('names the token and its role; 401 without one', async () => {
    const app = await buildApp(testConfig({ auth: { tokens: [{ name: 'carol', token: 'viewer-token-1', role: 'viewer' }, { name: 'root', token: 'admin-token-1', role: 'admin' }] } }), { logger: captureLogger().logger })
    try {
      const who = (token?: string) => app.http.inject({ method: 'GET', url: '/api/v1/whoami', headers: token ? { authorization: `Bearer ${token}` } : {} })
      assert.deepEqual((await who('viewer-token-1')).json(), { name: 'carol', role: 'viewer', authEnabled: true })
      assert.deepEqual((await who('admin-token-1')).json(), { name: 'root', role: 'admin', authEnabled: true })
      assert.equal((await who()).statusCode, 401)
      assert.equal((await who('not-a-token')).statusCode, 401)
      const doc = (await app.http.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> }
      for (const p of ['/api/v1/whoami', '/api/v1/jobs/{cluster}/{jobId}/history', '/api/v1/jobs/{cluster}/{jobId}/timeline', '/api/v1/jobs/{cluster}/{jobId}/restore-points']) assert.ok(doc.paths[p], p)
    } finally {
      await app.stop()
    }
  })

  it('without tokens: anonymous admin, auth disabled', async () => {
    const app = await buildApp(testConfig(), { logger: captureLogger().logger })
    try {
      assert.deepEqual((await app.http.inject({ method: 'GET', url: '/api/v1/whoami' })).json(), { name: 'anonymous', role: 'admin', authEnabled: false })
    } finally {
      await app.stop()
    }
  })
})
