import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildApp } from '../../../src/app.js'
import { testConfig } from '../../helpers/service.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { MESSAGES } from '../../../alerting/engine/collections.js'
import { job, quietLogger } from './helpers.js'

const viewer = { authorization: 'Bearer viewer-token' }
const operator = { authorization: 'Bearer operator-token' }

async function app(extra: Record<string, unknown> = {}) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1))
  const config = testConfig({
    server: { host: '127.0.0.1', port: 0, publicUrl: 'https://fw.example.com' },
    auth: { tokens: [{ name: 'v', token: 'viewer-token', role: 'viewer' }, { name: 'ops', token: 'operator-token', role: 'operator' }] },
    alerting: { rulesFile: new URL('../../../config/rules.yaml', import.meta.url).pathname, channels: [{ id: 'oncall', type: 'slack', url: 'http://127.0.0.1:1/hook' }], ...extra },
  })
  const a = await buildApp(config, { clock, logger: quietLogger })
  await a.start()
  return { a, clock }
}

async function firingId(a: Awaited<ReturnType<typeof app>>['a'], clock: FakeClock, name = 'orders'): Promise<string> {
  a.context.bus.publish({ type: 'fleet.updated', cluster: 'c1', jobs: [job('c1', name, 'FAILED')], at: clock.now() })
  const r = (await a.http.inject({ method: 'GET', url: '/api/v1/alerts?state=firing', headers: viewer })).json() as { alerts: { id: string; jobName: string }[] }
  return r.alerts.find((x) => x.jobName === name)!.id
}

test('POST/DELETE /alerts/:id/ack: operators acknowledge (with a comment) and take it back; who/when in the incident and in /events', async () => {
  const { a, clock } = await app()
  try {
    const id = await firingId(a, clock)
    assert.equal((await a.http.inject({ method: 'POST', url: `/api/v1/alerts/${id}/ack`, headers: viewer, payload: {} })).statusCode, 403)
    const r = await a.http.inject({ method: 'POST', url: `/api/v1/alerts/${id}/ack`, headers: operator, payload: { comment: 'on it' } })
    assert.equal(r.statusCode, 200)
    const acked = (r.json() as { alert: { acknowledgedBy: string; acknowledgedAt: number; ackComment: string } }).alert
    assert.deepEqual([acked.acknowledgedBy, acked.acknowledgedAt, acked.ackComment], ['ops', clock.now(), 'on it'])
    const stored = (await a.http.inject({ method: 'GET', url: `/api/v1/alerts/${id}`, headers: viewer })).json() as { alert: { acknowledgedBy: string } }
    assert.equal(stored.alert.acknowledgedBy, 'ops')
    // Without a body at all; a JSON null, though, is a body that is not an object.
    assert.equal((await a.http.inject({ method: 'POST', url: `/api/v1/alerts/${id}/ack`, headers: operator })).statusCode, 200)
    assert.equal((await a.http.inject({ method: 'POST', url: `/api/v1/alerts/${id}/ack`, headers: { ...operator, 'content-type': 'application/json' }, payload: 'null' })).statusCode, 400)
    // ...and the document says so: a bare POST is valid, the body is optional (not swagger's default required).
    const doc = (await a.http.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, Record<string, unknown> & { requestBody?: { required?: boolean } }>> }
    const ack = doc.paths['/api/v1/alerts/{id}/ack']!['post']!
    assert.equal(ack.requestBody?.required, false)
    assert.equal('x-optional-body' in ack, false, 'the marker does not leak into the document')
    await clock.advance(1000)
    const del = await a.http.inject({ method: 'DELETE', url: `/api/v1/alerts/${id}/ack`, headers: operator })
    assert.equal(del.statusCode, 200)
    assert.equal((del.json() as { alert: { acknowledgedBy: string | null } }).alert.acknowledgedBy, null)
    const events = (await a.http.inject({ method: 'GET', url: '/api/v1/events?job=orders', headers: viewer })).json() as { events: { action: string; who: string; details: { incident: string; comment?: string } }[] }
    assert.deepEqual(events.events.map((e) => `${e.action}:${e.who}:${e.details.incident}`), [`unacknowledge:ops:${id}`, `acknowledge:ops:${id}`])
    assert.equal(events.events[1]!.details.comment, 'on it')
    assert.equal((await a.http.inject({ method: 'POST', url: '/api/v1/alerts/nope/ack', headers: operator, payload: {} })).statusCode, 404)
    a.context.bus.publish({ type: 'fleet.updated', cluster: 'c1', jobs: [job('c1', 'orders', 'RUNNING', { startTime: 9 })], at: clock.now() })
    const resolved = await a.http.inject({ method: 'POST', url: `/api/v1/alerts/${id}/ack`, headers: operator, payload: {} })
    assert.equal(resolved.statusCode, 409)
    assert.match((resolved.json() as { message: string }).message, /resolved/)
  } finally {
    await a.stop()
  }
})

test('the firing message carries a signed link; GET shows a confirmation page (no token, CSP, form), POST acknowledges once, then 403', async () => {
  const { a, clock } = await app()
  try {
    const id = await firingId(a, clock)
    await a.context.store.refresh(MESSAGES)
    const msgs = await a.context.store.query(MESSAGES, { limit: 10 })
    const link = /https:\/\/fw\.example\.com(\/api\/v1\/ack\/[A-Za-z0-9_.-]+)/.exec(JSON.stringify(msgs.docs.map((d) => d.body.payload)))
    assert.ok(link, 'the firing message has an acknowledge link')
    const path = link[1]!
    const page = await a.http.inject({ method: 'GET', url: path })
    assert.equal(page.statusCode, 200)
    assert.match(String(page.headers['content-type']), /^text\/html/)
    assert.equal(page.headers['content-security-policy']?.toString().startsWith("default-src 'none'; style-src 'unsafe-inline'"), true)
    assert.match(page.body, /<form method="post">/)
    assert.doesNotMatch(page.body, /<script/i)
    assert.match(page.body, /orders/)
    assert.equal((await a.http.inject({ method: 'GET', url: `/api/v1/alerts/${id}`, headers: viewer })).json().alert.acknowledgedBy ?? null, null, 'a GET never acknowledges')
    const post = await a.http.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=Alice&comment=from+my+phone' })
    assert.equal(post.statusCode, 200)
    assert.match(post.body, /Acknowledged/)
    const alert = (await a.http.inject({ method: 'GET', url: `/api/v1/alerts/${id}`, headers: viewer })).json().alert as { acknowledgedBy: string; ackComment: string }
    assert.deepEqual([alert.acknowledgedBy, alert.ackComment], ['Alice (acknowledge link)', 'from my phone'])
    assert.equal((await a.http.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' })).statusCode, 403, 'used')
    assert.equal((await a.http.inject({ method: 'GET', url: path })).statusCode, 403, 'used')
    const forged = path.slice(0, -3) + (path.endsWith('AAA') ? 'BBB' : 'AAA')
    assert.equal((await a.http.inject({ method: 'GET', url: forged })).statusCode, 403)
    assert.equal((await a.http.inject({ method: 'POST', url: forged })).statusCode, 403)
    const events = (await a.http.inject({ method: 'GET', url: '/api/v1/events', headers: viewer })).json() as { events: { action: string; who: string; details: { via: string } }[] }
    assert.deepEqual(events.events.map((e) => `${e.action}:${e.who}:${e.details.via}`), ['acknowledge:Alice (acknowledge link):link'])
    // Expired (alerting.ackLinks.ttl, 24h by default): a second incident's link, a day later.
    const id2 = await firingId(a, clock, 'payments')
    // Within groupWait of the first message: it is in the digest that follows.
    await clock.advance(2000)
    await a.context.store.refresh(MESSAGES)
    const all = JSON.stringify((await a.context.store.query(MESSAGES, { limit: 100 })).docs.map((d) => d.body.payload))
    const links = [...all.matchAll(/https:\/\/fw\.example\.com(\/api\/v1\/ack\/[A-Za-z0-9_.-]+)/g)].map((m) => m[1]!).filter((p) => p !== path)
    assert.equal(links.length, 1)
    assert.equal((await a.http.inject({ method: 'GET', url: links[0]! })).statusCode, 200)
    await clock.advance(24 * 3_600_000)
    const expired = await a.http.inject({ method: 'GET', url: links[0]! })
    assert.equal(expired.statusCode, 403)
    assert.match(expired.body, /expired/)
    assert.equal((await a.http.inject({ method: 'POST', url: links[0]!, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' })).statusCode, 403)
    assert.equal((await a.http.inject({ method: 'GET', url: `/api/v1/alerts/${id2}`, headers: viewer })).json().alert.acknowledgedBy ?? null, null)
  } finally {
    await a.stop()
  }
})

test('maintenance API: operators create one-off and recurring windows, everyone lists them, bad input is a 400, config windows cannot be deleted', async () => {
  const { a, clock } = await app({ maintenance: [{ id: 'nightly', match: { cluster: 'c1' }, cron: '0 3 * * *', duration: '1h', timeZone: 'Europe/Berlin' }] })
  try {
    const body = { match: { cluster: 'c1', job: 'orders-.*' }, from: new Date(clock.now()).toISOString(), to: new Date(clock.now() + 3_600_000).toISOString(), comment: 'kafka upgrade', pauseAutoRestart: true }
    assert.equal((await a.http.inject({ method: 'POST', url: '/api/v1/maintenance', headers: viewer, payload: body })).statusCode, 403)
    const created = await a.http.inject({ method: 'POST', url: '/api/v1/maintenance', headers: operator, payload: body })
    assert.equal(created.statusCode, 201)
    const w = created.json() as { id: string; active: boolean; createdBy: string; source: string; pauseAutoRestart: boolean }
    assert.deepEqual([w.active, w.createdBy, w.source, w.pauseAutoRestart], [true, 'ops', 'api', true])
    const list = (await a.http.inject({ method: 'GET', url: '/api/v1/maintenance', headers: viewer })).json() as { windows: { id: string; active: boolean; next: { start: number } | null }[] }
    assert.deepEqual(list.windows.map((x) => `${x.id}:${x.active}`).sort(), [`${w.id}:true`, 'nightly:false'].sort())
    assert.equal(list.windows.find((x) => x.id === 'nightly')!.next!.start, Date.parse('2026-01-01T02:00:00Z'))
    const active = (await a.http.inject({ method: 'GET', url: '/api/v1/maintenance?active=true', headers: viewer })).json() as { windows: { id: string }[] }
    assert.deepEqual(active.windows.map((x) => x.id), [w.id])
    // An incident inside it is recorded with the window's id.
    a.context.bus.publish({ type: 'fleet.updated', cluster: 'c1', jobs: [job('c1', 'orders-eu', 'FAILED')], at: clock.now() })
    const inc = (await a.http.inject({ method: 'GET', url: '/api/v1/alerts', headers: viewer })).json() as { alerts: { maintenance: string; notified: boolean }[] }
    assert.deepEqual([inc.alerts[0]!.maintenance, inc.alerts[0]!.notified], [w.id, false])
    const bad = await a.http.inject({ method: 'POST', url: '/api/v1/maintenance', headers: operator, payload: { match: { cluster: 'c1' }, cron: '0 3 * * *', duration: '1h', timeZone: 'Nowhere/Land' } })
    assert.equal(bad.statusCode, 400)
    assert.match((bad.json() as { message: string }).message, /timeZone: unknown time zone/)
    assert.equal((await a.http.inject({ method: 'POST', url: '/api/v1/maintenance', headers: operator, payload: { match: { cluster: 'c1' } } })).statusCode, 400)
    assert.equal((await a.http.inject({ method: 'DELETE', url: '/api/v1/maintenance/nightly', headers: operator })).statusCode, 409)
    assert.equal((await a.http.inject({ method: 'DELETE', url: `/api/v1/maintenance/${w.id}`, headers: operator })).statusCode, 200)
    assert.equal((await a.http.inject({ method: 'DELETE', url: `/api/v1/maintenance/${w.id}`, headers: operator })).statusCode, 404)
    assert.equal((await a.http.inject({ method: 'GET', url: '/api/v1/maintenance/nightly', headers: viewer })).statusCode, 200)
  } finally {
    await a.stop()
  }
})
