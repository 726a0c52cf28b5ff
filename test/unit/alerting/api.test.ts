import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildApp } from '../../../src/app.js'
import { testConfig } from '../../helpers/service.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import type { Store } from '../../../src/storage/store.js'
import { ALERTS, MESSAGES, SILENCES } from '../../../alerting/engine/collections.js'
import { alert, job, quietLogger, tempStore } from './helpers.js'

const viewer = { authorization: 'Bearer viewer-token' }
const operator = { authorization: 'Bearer operator-token' }

async function app(store?: Store) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1))
  const config = testConfig({
    auth: { tokens: [{ name: 'v', token: 'viewer-token', role: 'viewer' }, { name: 'ops', token: 'operator-token', role: 'operator' }] },
    alerting: { rulesFile: new URL('../../../config/rules.yaml', import.meta.url).pathname, channels: [{ id: 'oncall', type: 'lark', url: 'http://127.0.0.1:1/hook' }] },
  })
  const a = await buildApp(config, { clock, logger: quietLogger, ...(store ? { store } : {}) })
  await a.start().catch(async (err: unknown) => {
    await a.stop()
    throw err
  })
  return { a, clock }
}

test('GET /alerts by state; GET /alerts/:id with its notifications; /readyz lists the notifier', async () => {
  const { a, clock } = await app()
  try {
    a.context.bus.publish({ type: 'fleet.updated', cluster: 'c1', jobs: [job('c1', 'orders', 'FAILED'), job('c1', 'audit', 'FAILED')], at: clock.now() })
    a.context.bus.publish({ type: 'fleet.updated', cluster: 'c1', jobs: [job('c1', 'orders', 'RUNNING', { startTime: 9 }), job('c1', 'audit', 'FAILED')], at: clock.now() + 1 })
    const firing = (await a.http.inject({ method: 'GET', url: '/api/v1/alerts?state=firing', headers: viewer })).json() as { alerts: { jobName: string; id: string; state: string }[]; channels: Record<string, unknown> }
    assert.deepEqual(firing.alerts.map((x) => x.jobName), ['audit'])
    assert.ok(firing.channels['oncall'])
    const all = (await a.http.inject({ method: 'GET', url: '/api/v1/alerts?state=all', headers: viewer })).json() as { alerts: { jobName: string; state: string }[] }
    assert.deepEqual(all.alerts.map((x) => `${x.jobName}:${x.state}`).sort(), ['audit:firing', 'orders:resolved'])
    const resolved = (await a.http.inject({ method: 'GET', url: '/api/v1/alerts?state=resolved', headers: viewer })).json() as { alerts: unknown[] }
    assert.equal(resolved.alerts.length, 1)
    await a.http.inject({ method: 'GET', url: '/api/v1/alerts', headers: viewer })
    const one = await a.http.inject({ method: 'GET', url: `/api/v1/alerts/${firing.alerts[0]!.id}`, headers: viewer })
    assert.equal(one.statusCode, 200)
    assert.deepEqual((one.json() as { notifications: { channel: string; kind: string }[] }).notifications.map((n) => `${n.channel}:${n.kind}`), ['oncall:firing'])
    assert.equal((await a.http.inject({ method: 'GET', url: '/api/v1/alerts/nope', headers: viewer })).statusCode, 404)
    assert.equal((await a.http.inject({ method: 'GET', url: '/api/v1/alerts?state=bogus', headers: viewer })).statusCode, 400)
    const ready = (await a.http.inject({ method: 'GET', url: '/readyz' })).json() as { components: Record<string, unknown> }
    assert.ok(ready.components['alert-notifier'])
  } finally {
    await a.stop()
  }
})

test('silences: viewers list, operators create and delete; bad input is a 400', async () => {
  const { a } = await app()
  try {
    const body = { matchers: { cluster: 'c1', job: 'orders-.*' }, duration: '2h', comment: 'deploy' }
    assert.equal((await a.http.inject({ method: 'POST', url: '/api/v1/silences', headers: viewer, payload: body })).statusCode, 403)
    const created = await a.http.inject({ method: 'POST', url: '/api/v1/silences', headers: operator, payload: body })
    assert.equal(created.statusCode, 201)
    const s = created.json() as { id: string; active: boolean; createdBy: string; endsAt: number; startsAt: number }
    assert.equal(s.active, true)
    assert.equal(s.createdBy, 'ops')
    assert.equal(s.endsAt - s.startsAt, 2 * 3_600_000)
    const list = (await a.http.inject({ method: 'GET', url: '/api/v1/silences?active=true', headers: viewer })).json() as { silences: { id: string }[] }
    assert.deepEqual(list.silences.map((x) => x.id), [s.id])
    assert.equal((await a.http.inject({ method: 'DELETE', url: `/api/v1/silences/${s.id}`, headers: viewer })).statusCode, 403)
    const del = await a.http.inject({ method: 'DELETE', url: `/api/v1/silences/${s.id}`, headers: operator })
    assert.equal((del.json() as { active: boolean }).active, false)
    assert.equal((await a.http.inject({ method: 'DELETE', url: '/api/v1/silences/nope', headers: operator })).statusCode, 404)
    const bad = await a.http.inject({ method: 'POST', url: '/api/v1/silences', headers: operator, payload: { matchers: { job: '(' }, duration: '1h' } })
    assert.equal(bad.statusCode, 400)
    assert.match((bad.json() as { message: string }).message, /matchers.job: not a valid regular expression/)
    assert.equal((await a.http.inject({ method: 'POST', url: '/api/v1/silences', headers: operator, payload: { matchers: {}, duration: '1h' } })).statusCode, 400)
  } finally {
    await a.stop()
  }
})

test('malformed stored documents are skipped and counted; start-up goes on', async () => {
  const store = await tempStore()
  const T = Date.UTC(2026, 0, 1)
  const good = { id: 'good', matchers: { job: 'orders-.*' }, startsAt: T - 1000, endsAt: T + 3_600_000, createdBy: 'ops', comment: 'deploy', expiredAt: null }
  await store.write(SILENCES, [
    { id: 'good', timestamp: T, body: good },
    // An older shape (matchers as a list, no endsAt), and one whose matcher no longer compiles.
    { id: 'old-shape', timestamp: T, body: { id: 'old-shape', matchers: [{ name: 'job', value: 'x' }], startsAt: T, createdBy: 'ops' } },
    { id: 'bad-regex', timestamp: T, body: { ...good, id: 'bad-regex', matchers: { job: 'orders-(' } } },
  ])
  await store.write(ALERTS, [
    { id: 'torn', timestamp: T, body: { id: 'torn', state: 'firing', rule: 'job-failed' } },
    { id: 'inc-ok', timestamp: T, body: { ...alert('ok'), id: 'inc-ok' } },
  ])
  await store.write(MESSAGES, [{ id: 'oncall-x-0', timestamp: T, body: { id: 'oncall-x-0', channel: 'oncall', state: 'pending' } }])
  const { a } = await app(store)
  try {
    const list = (await a.http.inject({ method: 'GET', url: '/api/v1/silences', headers: viewer })).json() as { silences: { id: string }[] }
    assert.deepEqual(list.silences.map((x) => x.id), ['good'])
    const firing = (await a.http.inject({ method: 'GET', url: '/api/v1/alerts?state=firing', headers: viewer })).json() as { alerts: { id: string }[] }
    assert.deepEqual(firing.alerts.map((x) => x.id), ['inc-ok'])
    assert.equal((await a.http.inject({ method: 'GET', url: '/api/v1/alerts/torn', headers: viewer })).statusCode, 404)
    const metrics = await a.context.registry.metrics()
    assert.match(metrics, /flinkwatch_alerting_invalid_documents_total\{collection="alert_silences"\} 2/)
    assert.match(metrics, /flinkwatch_alerting_invalid_documents_total\{collection="alert_messages"\} 1/)
    assert.match(metrics, /flinkwatch_alerting_invalid_documents_total\{collection="alerts"\} [1-9]/)
  } finally {
    await a.stop()
  }
})
