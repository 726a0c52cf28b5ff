/** The lifecycle API over a real fleet state, operation service and store; only LifecycleActions is fake. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { Value } from '@sinclair/typebox/value'
import { AutoRestartConfig } from '../../../src/config/sections/auto-restart.js'
import { EventBus } from '../../../src/core/event-bus.js'
import { FleetState } from '../../../src/fleet/fleet-state.js'
import { TokenAuth } from '../../../src/http/auth.js'
import { lifecycleRoutes } from '../../../src/http/routes/lifecycle.js'
import { buildHttpServer, type Api } from '../../../src/http/server.js'
import type { JobRef, LifecycleActions, RestartResult } from '../../../src/lifecycle/actions.js'
import { LifecycleService } from '../../../src/lifecycle/lifecycle-service.js'
import { OperationService, auditCollection, operationsCollection } from '../../../src/lifecycle/operations.js'
import type { AuditEvent, Operation } from '../../../src/model/operation.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { captureLogger } from '../../helpers/service.js'
import { job, snapshot } from '../fleet/snapshots.js'

const RUNNING = 'a'.repeat(32)
const FAILED = 'b'.repeat(32)
const OPERATOR = { authorization: 'Bearer op-token' }
const VIEWER = { authorization: 'Bearer view-token' }

class FakeActions implements LifecycleActions {
  readonly clusterType = 'flink' as const
  readonly calls: string[] = []
  async cancel(j: JobRef) {
    this.calls.push(`cancel ${j.jobId}`)
    return { finalState: 'CANCELED' }
  }
  async stop(j: JobRef, o: { drain: boolean }) {
    this.calls.push(`stop ${j.jobId} drain=${o.drain}`)
    return { savepointPath: 's3://sp/savepoint-1', finalState: 'FINISHED' }
  }
  async savepoint(j: JobRef) {
    this.calls.push(`savepoint ${j.jobId}`)
    return { savepointPath: 's3://sp/savepoint-2' }
  }
  async restart(j: JobRef): Promise<RestartResult> {
    this.calls.push(`restart ${j.jobId}`)
    return { newJobId: 'c'.repeat(32), restoredFrom: { path: 's3://sp/savepoint-2', kind: 'savepoint', completedAt: 1, jobId: j.jobId }, previous: 'terminal', details: {} }
  }
  async latestRestorePoint() {
    return null
  }
  async activeInstance() {
    return null
  }
}

describe('lifecycle API', () => {
  let http: Api
  let store: SqliteStore
  let operations: OperationService
  const clock = new FakeClock()
  const actions = new FakeActions()

  before(async () => {
    const { logger } = captureLogger()
    store = SqliteStore.memory()
    await store.init([operationsCollection, auditCollection])
    const bus = new EventBus()
    const fleet = new FleetState({ clusters: [{ id: 'prod', type: 'flink', downAfter: 1, url: 'http://prod:8081', webUiUrl: null }, { id: 'dev', type: 'flink', downAfter: 1, url: 'http://dev:8081', webUiUrl: null }], bus, clock, logger })
    fleet.applySnapshot('prod', snapshot('prod', [job('prod', RUNNING, 'RUNNING', { name: 'orders-eu' }), job('prod', FAILED, 'FAILED', { name: 'payments' })]))
    fleet.applySnapshot('dev', snapshot('dev', [job('dev', 'd'.repeat(32), 'RUNNING', { name: 'orders-eu' })]))
    operations = new OperationService({ store, bus, clock, logger })
    const autoRestart = Value.Decode(AutoRestartConfig, Value.Default(AutoRestartConfig, Value.Clean(AutoRestartConfig, { jobs: [{ name: 'orders-.*', jarId: 'orders.jar', args: [] }] })))
    const service = new LifecycleService({ fleet, operations, actions: () => actions, autoRestart })
    http = await buildHttpServer({
      logger,
      registry: new Registry(),
      auth: new TokenAuth({ tokens: [{ name: 'ops-bot', token: 'op-token', role: 'operator' }, { name: 'dashboard', token: 'view-token', role: 'viewer' }] }),
      readiness: async () => ({ ready: true, components: {} }),
      version: 'test',
      routes: [lifecycleRoutes(service)],
    })
  })
  after(async () => {
    await http.close()
    await operations.stop()
    await store.close()
  })

  const post = (jobPath: string, body: unknown, headers: Record<string, string> = OPERATOR) => http.inject({ method: 'POST', url: `/api/v1/jobs/${jobPath}/actions`, headers, payload: body as Record<string, unknown> })

  it('answers 202 with an operation id, and the operation ends with its result', async () => {
    const res = await post(`prod/${RUNNING}`, { action: 'stop', drain: true })
    assert.equal(res.statusCode, 202, res.body)
    const body = res.json() as { operationId: string; operation: Operation }
    assert.match(body.operationId, /^[0-9a-f-]{36}$/)
    assert.equal(body.operation.id, body.operationId)
    assert.deepEqual({ ...body.operation, id: '' }, { id: '', action: 'stop', cluster: 'prod', jobId: RUNNING, jobName: 'orders-eu', status: 'pending', requestedBy: 'ops-bot', createdAt: clock.now(), updatedAt: clock.now(), message: null, result: null })
    await operations.settled(body.operationId)
    const op = await http.inject({ method: 'GET', url: `/api/v1/operations/${body.operationId}`, headers: VIEWER })
    assert.equal(op.statusCode, 200)
    const done = op.json() as Operation
    assert.equal(done.status, 'succeeded')
    assert.deepEqual(done.result, { savepointPath: 's3://sp/savepoint-1', finalState: 'FINISHED' })
    assert.equal(done.message, 'savepoint s3://sp/savepoint-1')
    assert.ok(actions.calls.includes(`stop ${RUNNING} drain=true`))
  })

  it('401 without a token, 403 for a viewer', async () => {
    const none = await post(`prod/${RUNNING}`, { action: 'cancel' }, {})
    assert.equal(none.statusCode, 401)
    assert.equal(none.headers['www-authenticate'], 'Bearer')
    assert.deepEqual(none.json(), { statusCode: 401, error: 'Unauthorized', message: 'missing bearer token' })
    const viewer = await post(`prod/${RUNNING}`, { action: 'cancel' }, VIEWER)
    assert.equal(viewer.statusCode, 403)
    assert.deepEqual(viewer.json(), { statusCode: 403, error: 'Forbidden', message: 'role viewer may not do this; operator required' })
    assert.equal((await http.inject({ method: 'GET', url: '/api/v1/events' })).statusCode, 401)
    assert.ok(!actions.calls.includes(`cancel ${RUNNING}`))
  })

  it('404 for an unknown job, cluster or operation', async () => {
    const job = await post(`prod/${'e'.repeat(32)}`, { action: 'cancel' })
    assert.equal(job.statusCode, 404)
    assert.deepEqual(job.json(), { statusCode: 404, error: 'Not Found', message: `no job ${'e'.repeat(32)} on cluster prod` })
    const cluster = await post(`nope/${RUNNING}`, { action: 'cancel' })
    assert.equal(cluster.statusCode, 404)
    assert.equal((cluster.json() as { message: string }).message, 'no cluster nope')
    const op = await http.inject({ method: 'GET', url: '/api/v1/operations/does-not-exist', headers: VIEWER })
    assert.equal(op.statusCode, 404)
    assert.deepEqual(op.json(), { statusCode: 404, error: 'Not Found', message: 'no operation does-not-exist' })
  })

  it('400 for a bad action or body; 409 for a valid action the job cannot take in its state', async () => {
    for (const body of [{ action: 'explode' }, {}, { action: 'stop', drain: 'yes please' }, { action: 'cancel', force: true }]) {
      const res = await post(`prod/${RUNNING}`, body)
      assert.equal(res.statusCode, 400, JSON.stringify(body))
      assert.equal((res.json() as { error: string }).error, 'Bad Request')
    }
    const notRunning = await post(`prod/${FAILED}`, { action: 'savepoint' })
    assert.equal(notRunning.statusCode, 409)
    assert.equal((notRunning.json() as { error: string }).error, 'Conflict')
    assert.equal((notRunning.json() as { message: string }).message, 'job payments is FAILED: a savepoint needs a RUNNING job')
    const noPolicy = await post(`prod/${FAILED}`, { action: 'restart' })
    assert.equal(noPolicy.statusCode, 409)
    assert.match((noPolicy.json() as { message: string }).message, /^no autoRestart.jobs entry matches job name "payments"/)
  })

  it('GET /api/v1/events filters by cluster, job id or name, time range and limit, newest first', async () => {
    const base = Date.UTC(2025, 5, 1)
    const ev = (at: number, cluster: string, jobId: string, jobName: string, who = 'alice') =>
      operations.audit({ at, who, action: 'savepoint', cluster, jobId, jobName, outcome: 'succeeded', message: 'savepoint s3://x', operationId: null, details: {} })
    await ev(base + 1000, 'prod', 'f'.repeat(32), 'billing')
    await ev(base + 2000, 'prod', '1'.repeat(32), 'billing')
    await ev(base + 3000, 'dev', '2'.repeat(32), 'billing')
    await ev(base + 4000, 'prod', '3'.repeat(32), 'fraud')
    type Events = { events: AuditEvent[] }
    const get = async (qs: string) => {
      const res = await http.inject({ method: 'GET', url: `/api/v1/events?${qs}`, headers: VIEWER })
      assert.equal(res.statusCode, 200, res.body)
      return (res.json() as Events).events
    }
    const window = `from=${base}&to=${base + 10_000}`
    assert.deepEqual((await get(window)).map((e) => e.at - base), [4000, 3000, 2000, 1000])
    assert.deepEqual((await get(`${window}&cluster=prod`)).map((e) => e.at - base), [4000, 2000, 1000])
    assert.deepEqual((await get(`${window}&job=billing`)).map((e) => e.at - base), [3000, 2000, 1000])
    assert.deepEqual((await get(`${window}&job=${'1'.repeat(32)}`)).map((e) => e.jobName), ['billing'])
    assert.deepEqual((await get(`${window}&job=billing&cluster=prod&limit=1`)).map((e) => e.at - base), [2000])
    // ISO-8601 works too; `to` is exclusive.
    assert.deepEqual((await get(`from=${new Date(base + 2000).toISOString()}&to=${new Date(base + 4000).toISOString()}`)).map((e) => e.at - base), [3000, 2000])
    // The actions above left requested + succeeded events with who and outcome.
    const mine = await get(`job=orders-eu&cluster=prod`)
    assert.ok(mine.some((e) => e.who === 'ops-bot' && e.action === 'stop' && e.outcome === 'requested'))
    assert.ok(mine.some((e) => e.who === 'ops-bot' && e.action === 'stop' && e.outcome === 'succeeded'))
    const bad = await http.inject({ method: 'GET', url: '/api/v1/events?from=yesterday', headers: VIEWER })
    assert.equal(bad.statusCode, 400)
    assert.equal((bad.json() as { message: string }).message, 'from must be epoch milliseconds or an ISO-8601 time, got "yesterday"')
    assert.equal((await http.inject({ method: 'GET', url: '/api/v1/events?limit=0', headers: VIEWER })).statusCode, 400)
  })
})
