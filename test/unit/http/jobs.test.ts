import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { buildApp, type App } from '../../../src/app.js'
import { EventBus } from '../../../src/core/event-bus.js'
import { FleetState } from '../../../src/fleet/fleet-state.js'
import { TokenAuth } from '../../../src/http/auth.js'
import { clusterRoutes } from '../../../src/http/routes/clusters.js'
import { jobRoutes } from '../../../src/http/routes/jobs.js'
import { buildHttpServer, type Api } from '../../../src/http/server.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { captureLogger, testConfig } from '../../helpers/service.js'
import { job, snapshot } from '../fleet/snapshots.js'

const exception = { timestamp: 1767221000000, message: 'java.lang.RuntimeException: poison record', stackTrace: 'java.lang.RuntimeException: poison record\n\tat X', taskName: 'Map (1/1)', location: 'localhost:41234' }

describe('clusters and jobs API over a populated fleet', () => {
  let http: Api
  const clock = new FakeClock()
  before(async () => {
    const { logger } = captureLogger()
    const fleet = new FleetState({
      clusters: [
        { id: 'prod', type: 'flink', downAfter: 1, url: 'http://prod:8081', webUiUrl: null },
        { id: 'dev', type: 'flink', downAfter: 1, url: 'http://dev:8081', webUiUrl: null },
      ],
      bus: new EventBus(),
      clock,
      logger,
    })
    const completedAt = clock.now() - 4000
    fleet.applySnapshot(
      'prod',
      snapshot('prod', [
        job('prod', 'a1', 'RUNNING', {
          name: 'orders-enricher',
          restarts: 1,
          lag: 1200,
          busy: 0.8,
          backpressure: 0.15,
          checkpoints: { completed: 5, failed: 1, inProgress: 0, intervalMs: 2000, lastCompleted: { id: 5, completedAt, durationMs: 50, sizeBytes: 2048, externalPath: 'file:/cp/chk-5', isSavepoint: false }, lastSavepoint: null, lastFailedAt: null, lastFailureMessage: null },
          vertices: [{ id: 'v1', name: 'Source: orders', parallelism: 2, maxParallelism: 128, status: 'RUNNING', busy: null, backpressure: 0, busySkew: null, recordsInPerSec: 100, recordsOutPerSec: 100, lag: 1200, isSource: true }],
          latestException: exception,
          exceptions: [exception],
        }),
        job('prod', 'b2', 'FAILED', { name: 'payments-audit', restarts: 3 }),
      ]),
    )
    fleet.applyFailure('dev', new Error('connect ECONNREFUSED'))
    http = await buildHttpServer({
      logger,
      registry: new Registry(),
      auth: new TokenAuth({ tokens: [] }),
      readiness: async () => ({ ready: true, components: {} }),
      version: 'test',
      routes: [clusterRoutes(fleet), jobRoutes(fleet, clock)],
    })
  })
  after(() => http.close())

  it('GET /api/v1/clusters', async () => {
    const res = await http.inject({ method: 'GET', url: '/api/v1/clusters' })
    assert.equal(res.statusCode, 200)
    const body = res.json() as { clusters: Record<string, unknown>[] }
    assert.deepEqual(
      body.clusters.map((c) => ({ id: c['id'], type: c['type'], status: c['status'], version: c['version'], taskManagers: c['taskManagers'], slots: c['slots'], jobs: c['jobs'] })),
      [
        { id: 'prod', type: 'flink', status: 'up', version: '1.20.1', taskManagers: 1, slots: { total: 2, available: 1 }, jobs: { total: 2, running: 1 } },
        { id: 'dev', type: 'flink', status: 'down', version: null, taskManagers: 0, slots: { total: 0, available: 0 }, jobs: { total: 0, running: 0 } },
      ],
    )
    assert.match(String(body.clusters[1]!['lastError']), /ECONNREFUSED/)
  })

  it('GET /api/v1/jobs lists summaries with checkpoint age', async () => {
    const res = await http.inject({ method: 'GET', url: '/api/v1/jobs' })
    assert.equal(res.statusCode, 200)
    const { jobs } = res.json() as { jobs: Record<string, unknown>[] }
    assert.deepEqual(jobs[0], {
      cluster: 'prod',
      jobId: 'a1',
      name: 'orders-enricher',
      state: 'RUNNING',
      startTime: 1000,
      restarts: 1,
      restartsLastHour: 0,
      lastCheckpoint: { id: 5, completedAt: clock.now() - 4000, ageSeconds: 4, durationMs: 50, sizeBytes: 2048, externalPath: 'file:/cp/chk-5', isSavepoint: false },
      failedCheckpoints: 1,
      lag: 1200,
      lagTrend: null,
      backpressure: 0.15,
      busy: 0.8,
      uptimeMs: clock.now() - 1000,
    })
    assert.equal(jobs[1]!['uptimeMs'], null, 'not RUNNING')
    assert.equal(jobs[1]!['failedCheckpoints'], null, 'no checkpoint statistics')
    assert.equal(jobs[1]!['lastCheckpoint'], null)
  })

  it('filters by cluster, state and q', async () => {
    const ids = async (qs: string) => ((await http.inject({ method: 'GET', url: `/api/v1/jobs?${qs}` })).json() as { jobs: { jobId: string }[] }).jobs.map((j) => j.jobId)
    assert.deepEqual(await ids('state=FAILED'), ['b2'])
    assert.deepEqual(await ids('q=ORDERS'), ['a1'])
    assert.deepEqual(await ids('cluster=dev'), [])
    assert.deepEqual(await ids('cluster=prod&state=RUNNING&q=enrich'), ['a1'])
  })

  it('orders failing jobs first with sort=severity, and limit keeps the head of that order with the full total', async () => {
    const get = async (qs: string) => (await http.inject({ method: 'GET', url: `/api/v1/jobs?${qs}` })).json() as { jobs: { jobId: string }[]; total: number }
    assert.deepEqual((await get('')).jobs.map((j) => j.jobId), ['a1', 'b2'], 'by cluster, then name')
    assert.deepEqual((await get('sort=severity')).jobs.map((j) => j.jobId), ['b2', 'a1'], 'FAILED before RUNNING')
    const first = await get('sort=severity&limit=1')
    assert.deepEqual(first.jobs.map((j) => j.jobId), ['b2'])
    assert.equal(first.total, 2)
    assert.equal((await get('state=RUNNING&limit=5')).total, 1, 'total counts the filtered jobs')
    assert.equal((await http.inject({ method: 'GET', url: '/api/v1/jobs?limit=0' })).statusCode, 400)
  })

  it('pages by cursor: every job once, in order, the last page without a cursor', async () => {
    const get = async (qs: string) => (await http.inject({ method: 'GET', url: `/api/v1/jobs?${qs}` })).json() as { jobs: { jobId: string }[]; total: number; nextCursor: string | null }
    for (const sort of ['cluster', 'severity']) {
      const seen: string[] = []
      let cursor: string | null = null
      let pages = 0
      do {
        const p = await get(`sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ''}`)
        seen.push(...p.jobs.map((j) => j.jobId))
        assert.equal(p.total, 2)
        cursor = p.nextCursor
        pages++
      } while (cursor && pages < 5)
      assert.deepEqual(seen, (await get(`sort=${sort}`)).jobs.map((j) => j.jobId), sort)
      assert.equal(pages, 2)
    }
    assert.equal((await get('')).nextCursor, null, 'the whole list is one page')
    // Any cursor names a place in the order: one past every key is an empty last page, not an error.
    const end = await get(`cursor=${Buffer.from('\uffff').toString('base64url')}`)
    assert.deepEqual([end.jobs, end.nextCursor], [[], null])
    assert.equal((await http.inject({ method: 'GET', url: '/api/v1/jobs?cursor=not%20a%20cursor' })).statusCode, 400)
  })

  it('rejects an unknown state with 400 and an unknown cluster with 404', async () => {
    const bad = await http.inject({ method: 'GET', url: '/api/v1/jobs?state=RUNNIN' })
    assert.equal(bad.statusCode, 400)
    const missing = await http.inject({ method: 'GET', url: '/api/v1/jobs?cluster=nope' })
    assert.equal(missing.statusCode, 404)
    assert.deepEqual(missing.json(), { statusCode: 404, error: 'Not Found', message: 'no cluster nope' })
  })

  it('GET /api/v1/jobs/:cluster/:jobId returns checkpoints, exceptions and vertices', async () => {
    const res = await http.inject({ method: 'GET', url: '/api/v1/jobs/prod/a1' })
    assert.equal(res.statusCode, 200)
    const body = res.json() as {
      checkpoints: { completed: number; intervalMs: number; lastCompleted: { ageSeconds: number } }
      exceptions: unknown[]
      vertices: { id: string; parallelism: number; lag: number }[]
    }
    assert.equal(body.checkpoints.completed, 5)
    assert.equal(body.checkpoints.intervalMs, 2000)
    assert.equal(body.checkpoints.lastCompleted.ageSeconds, 4)
    assert.deepEqual(body.exceptions, [exception])
    assert.deepEqual(body.vertices.map((v) => [v.id, v.parallelism, v.lag]), [['v1', 2, 1200]])
  })

  it('404 JSON for an unknown job or cluster', async () => {
    const job = await http.inject({ method: 'GET', url: '/api/v1/jobs/prod/zzz' })
    assert.equal(job.statusCode, 404)
    assert.deepEqual(job.json(), { statusCode: 404, error: 'Not Found', message: 'no job zzz on cluster prod' })
    const cluster = await http.inject({ method: 'GET', url: '/api/v1/jobs/nope/a1' })
    assert.equal(cluster.statusCode, 404)
    const c = await http.inject({ method: 'GET', url: '/api/v1/clusters/nope' })
    assert.equal(c.statusCode, 404)
  })
})

describe('fleet module inside the app', () => {
  let app: App
  before(async () => {
    const config = testConfig({ clusters: [{ id: 'local', type: 'flink', url: 'http://127.0.0.1:9' }] })
    app = await buildApp(config, { logger: captureLogger().logger })
  })
  after(() => app.stop())

  it('lists configured clusters (down until a probe answers) and documents the routes', async () => {
    const res = await app.http.inject({ method: 'GET', url: '/api/v1/clusters' })
    assert.equal(res.statusCode, 200)
    const { clusters } = res.json() as { clusters: { id: string; status: string; lastSeen: number | null }[] }
    assert.deepEqual(clusters.map((c) => [c.id, c.status, c.lastSeen]), [['local', 'down', null]])
    const docs = (await app.http.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> }
    for (const p of ['/api/v1/clusters', '/api/v1/jobs', '/api/v1/jobs/{cluster}/{jobId}']) assert.ok(docs.paths[p], `${p} documented`)
    const metrics = await app.http.inject({ method: 'GET', url: '/metrics' })
    assert.match(metrics.body, /flinkwatch_collector_errors_total\{cluster="local",reason="connect"\} 0/)
  })
})
