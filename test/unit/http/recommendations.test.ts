/** Stored history samples → GET /api/v1/recommendations and the recommended-parallelism gauge, through the module. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Registry } from 'prom-client'
import type { AppContext } from '../../../src/core/feature.js'
import { EventBus } from '../../../src/core/event-bus.js'
import { FleetState } from '../../../src/fleet/fleet-state.js'
import { HISTORY_COLLECTION, historyCollection } from '../../../src/fleet/history.js'
import { TokenAuth } from '../../../src/http/auth.js'
import { buildHttpServer, type Api } from '../../../src/http/server.js'
import { RECOMMENDATIONS_COLLECTION } from '../../../src/recommend/recommendation-service.js'
import { createRecommendationsModule, type RecommendationsModule } from '../../../src/recommend/module.js'
import { recommendationRoutes } from '../../../src/http/routes/recommendations.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { captureLogger, testConfig } from '../../helpers/service.js'
import { job, snapshot } from '../fleet/snapshots.js'
import { samplesOf } from '../recommend/history-samples.js'

const MIN = 60_000
const MiB = 1024 * 1024
const T0 = Date.UTC(2026, 0, 1)
const JOB_ID = 'a'.repeat(32)

const vertices = [
  { id: 'src0', name: 'Source: orders', parallelism: 2, maxParallelism: 128, status: 'RUNNING', busy: null, backpressure: 0, busySkew: null, recordsInPerSec: 2000, recordsOutPerSec: 2000, lag: 0, isSource: true },
  { id: 'map1', name: 'Map -> Sink: out', parallelism: 5, maxParallelism: 128, status: 'RUNNING', busy: 0.4, backpressure: 0, busySkew: 1, recordsInPerSec: 2000, recordsOutPerSec: 2000, lag: null, isSource: false },
]

describe('recommendations API', () => {
  let http: Api
  let store: SqliteStore
  let fleet: FleetState
  let registry: Registry
  let mod: RecommendationsModule
  let ctx: AppContext
  const clock = new FakeClock(T0 + 180 * MIN)

  before(async () => {
    const { logger } = captureLogger()
    store = SqliteStore.memory()
    registry = new Registry()
    const bus = new EventBus()
    ctx = { config: testConfig({ recommendations: { window: '24h', heapHeadroom: 0.25 } }), logger, registry, clock, bus, store }
    fleet = new FleetState({ clusters: [{ id: 'prod', type: 'flink', downAfter: 1, url: 'http://prod:8081', webUiUrl: null }], bus, clock, logger })
    fleet.applySnapshot('prod', snapshot('prod', [job('prod', JOB_ID, 'RUNNING', { name: 'orders', vertices, resources: { cpuLoad: 0.3, heapUsedBytes: 500 * MiB, heapMaxBytes: 1024 * MiB, managedMemoryBytes: 256 * MiB, gcTimeMsPerSec: 1, taskManagers: 2 } })]))
    mod = createRecommendationsModule(ctx, { fleet })
    await store.init([historyCollection, ...(mod.collections ?? [])])
    // Three hours of history the way the fleet's HistoryRecorder stores it.
    const samples = samplesOf({ jobName: 'orders', jobId: JOB_ID, minutes: 180, rate: () => 2000, capacity: 1000, parallelism: 5, heapUsedMiB: (i) => 400 + (i % 10) * 30 })
    const w = await store.write(HISTORY_COLLECTION, samples.map((s) => ({ id: `${s.cluster}/${s.jobId}/${s.vertexId ?? 'job'}/${s.at}`, timestamp: s.at, body: s })), 'create')
    assert.equal(w.written, 540)
    // One document another version wrote: skipped, not fatal.
    await store.write(HISTORY_COLLECTION, [{ id: 'odd', timestamp: T0 + MIN, body: { kind: 'vertex', cluster: 'prod', jobName: 'orders', at: 'yesterday' } }], 'create')
    http = await buildHttpServer({ logger, registry, auth: new TokenAuth({ tokens: [] }), readiness: async () => ({ ready: true, components: {} }), version: 'test', routes: [recommendationRoutes(mod.service, fleet)] })
  })
  after(async () => {
    await http.close()
    await mod.service.stop()
    await store.close()
  })

  type Body = { recommendations: Record<string, unknown>[] }
  const get = async (qs = '') => {
    const res = await http.inject({ method: 'GET', url: `/api/v1/recommendations${qs}` })
    return { status: res.statusCode, body: res.json() as Body }
  }

  it('is empty before anything was computed', async () => {
    assert.deepEqual(await get(), { status: 200, body: { recommendations: [] } })
  })

  it('turns stored history samples into a recommendation on demand', async () => {
    const { status, body } = await get('?refresh=true')
    assert.equal(status, 200)
    assert.equal(body.recommendations.length, 1)
    const rec = body.recommendations[0] as {
      cluster: string
      jobName: string
      jobId: string
      computedAt: number
      window: unknown
      vertices: { vertexId: string; vertexName: string; isSource: boolean; parallelism: Record<string, unknown> }[]
      taskManager: { heapBytes: Record<string, unknown>; managedMemoryBytes: Record<string, unknown> }
    }
    assert.deepEqual([rec.cluster, rec.jobName, rec.jobId, rec.computedAt], ['prod', 'orders', JOB_ID, clock.now()])
    assert.deepEqual(rec.window, { from: T0, to: T0 + 179 * MIN, samples: 540 })
    const map = rec.vertices.find((v) => v.vertexId === 'map1')!
    assert.deepEqual(map, {
      vertexId: 'map1',
      vertexName: 'Map -> Sink: out',
      isSource: false,
      parallelism: {
        current: 5,
        recommended: 3,
        reason: 'p95 demand 2000/s over 180 samples; one subtask handles 1000/s at its busiest subtask; 0.7 target utilisation needs 3',
        confidence: 'high',
        window: { from: T0, to: T0 + 179 * MIN, samples: 180 },
        figures: { capacityPerSubtask: 1000, demandPerSec: 2000, lag: 0, predictedBusy: 0.67 },
        pending: null,
      },
    })
    const src = rec.vertices.find((v) => v.vertexId === 'src0')!
    assert.equal(src.isSource, true)
    assert.equal(src.parallelism['recommended'], null)
    assert.deepEqual(rec.taskManager.heapBytes, {
      current: 1024 * MiB,
      recommended: 896 * MiB,
      reason: 'peak heap used 670 MiB + 25% headroom (configured 1024 MiB)',
      confidence: 'high',
      window: { from: T0, to: T0 + 179 * MIN, samples: 180 },
    })
    assert.deepEqual(rec.taskManager.managedMemoryBytes, {
      current: 256 * MiB,
      recommended: null,
      reason: 'no managed-memory usage in history; Flink exposes it per TaskManager as Status.Flink.Memory.Managed.Used',
      confidence: 'none',
      window: { from: T0, to: T0 + 179 * MIN, samples: 0 },
    })
  })

  it('filters by cluster and by job name or id; 404 for an unknown cluster, 400 for a bad flag', async () => {
    assert.equal((await get('?cluster=prod&job=orders')).body.recommendations.length, 1)
    assert.equal((await get(`?job=${JOB_ID}`)).body.recommendations.length, 1)
    assert.equal((await get('?job=billing')).body.recommendations.length, 0)
    const missing = await get('?cluster=nope')
    assert.equal(missing.status, 404)
    assert.deepEqual(missing.body, { statusCode: 404, error: 'Not Found', message: 'no cluster nope' } as unknown as Body)
    assert.equal((await get('?refresh=maybe')).status, 400)
  })

  it('exports flinkwatch_recommended_parallelism per vertex with a recommendation', async () => {
    const text = await registry.metrics()
    const lines = text.split('\n').filter((l) => l.startsWith('flinkwatch_recommended_parallelism{'))
    assert.deepEqual(lines, ['flinkwatch_recommended_parallelism{cluster="prod",job_name="orders",vertex="Map -> Sink: out"} 3'])
  })

  it('keeps the previous recommendations in the store for the next start (hysteresis)', async () => {
    const again = createRecommendationsModule({ ...ctx, registry: new Registry() }, { fleet })
    const list = await again.service.list()
    assert.deepEqual(list.map((r) => [r.jobName, r.vertices.find((v) => v.vertexId === 'map1')?.parallelism.recommended]), [['orders', 3]])
  })

  it('drops a job that no longer runs, and its series, at the next full computation', async () => {
    fleet.applySnapshot('prod', snapshot('prod', [job('prod', JOB_ID, 'FINISHED', { name: 'orders', vertices })]))
    await mod.service.refresh()
    assert.deepEqual((await get()).body.recommendations, [])
    assert.ok(!(await registry.metrics()).includes('flinkwatch_recommended_parallelism{'))
    assert.equal(await store.get(RECOMMENDATIONS_COLLECTION, 'prod/orders'), undefined)
  })
})
