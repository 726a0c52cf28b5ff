/**
 * A real flinkwatch in-process (embedded store, real HTTP) and a fake Slack webhook: a failed job's
 * firing message carries a signed acknowledge link; opening it shows the confirmation page, its POST
 * acknowledges the incident without any API token; the same link again, a forged one and an
 * expired one answer 403. The links use server.publicUrl as their base (a reverse proxy's address):
 * the test sends them to the service's own address.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { systemClock, type Clock } from '../../../src/core/clock.js'
import { job } from '../../unit/alerting/helpers.js'
import { startService, testConfig, type RunningService } from '../../helpers/service.js'
import { waitFor } from '../../helpers/stack.js'
import { FakeSlackWebhook } from '../../fakes/chat/slack.js'

const PUBLIC = 'https://flinkwatch.example.com'
const HOUR = 3_600_000

describe('acknowledge links end to end', () => {
  let svc: RunningService
  let slack: FakeSlackWebhook
  // Real time, shifted by the test to let a link expire.
  let offset = 0
  const clock: Clock = { now: () => Date.now() + offset, setTimeout: systemClock.setTimeout, clearTimeout: systemClock.clearTimeout }
  const token = { authorization: 'Bearer viewer-token-1' }

  before(async () => {
    slack = await new FakeSlackWebhook().start()
    svc = await startService(
      testConfig({
        server: { host: '127.0.0.1', port: 0, publicUrl: PUBLIC },
        auth: { tokens: [{ name: 'viewer', token: 'viewer-token-1', role: 'viewer' }] },
        alerting: {
          rulesFile: new URL('../../../config/rules.yaml', import.meta.url).pathname,
          groupWait: '100ms',
          channels: [{ id: 'oncall', type: 'slack', url: `${slack.url}/services/T/B/X`, rateLimit: { perSecond: 50 } }],
          ackLinks: { ttl: '1h' },
        },
      }),
      { clock },
    )
  })
  after(async () => {
    await svc?.stop()
    await slack?.stop()
  })

  /** Fails a job, waits for its Slack message and returns the link path in it and the incident id. */
  async function failAndGetLink(name: string): Promise<{ path: string; id: string }> {
    svc.app.context.bus.publish({ type: 'fleet.updated', cluster: 'c1', jobs: [job('c1', name, 'FAILED')], at: clock.now() })
    const body = await waitFor(`a Slack message for ${name}`, async () => slack.delivered.map((d) => d.body).find((b) => b.includes(name) && b.includes('/api/v1/ack/')), 20_000, 50)
    const m = new RegExp(`${PUBLIC.replace(/\./g, '\\.')}(/api/v1/ack/[A-Za-z0-9_.-]+)`).exec(body)
    assert.ok(m, 'the firing message carries an acknowledge link on server.publicUrl')
    const alerts = (await (await fetch(`${svc.url}/api/v1/alerts?job=${name}`, { headers: token })).json()) as { alerts: { id: string }[] }
    return { path: m[1]!, id: alerts.alerts[0]!.id }
  }

  const post = (path: string, form = 'name=Dana') => fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form, redirect: 'manual' })

  it('a signed link acknowledges its incident once, without a token; used or forged links answer 403', async () => {
    const { path, id } = await failAndGetLink('orders-eu')
    const page = await fetch(`${svc.url}${path}`)
    assert.equal(page.status, 200)
    assert.match(page.headers.get('content-security-policy') ?? '', /^default-src 'none'; style-src 'unsafe-inline'/)
    const html = await page.text()
    assert.match(html, /<form method="post">/)
    assert.match(html, /orders-eu/)
    assert.doesNotMatch(html, /<script/i)

    const ok = await post(path)
    assert.equal(ok.status, 200)
    assert.match(await ok.text(), /Acknowledged/)
    const one = (await (await fetch(`${svc.url}/api/v1/alerts/${id}`, { headers: token })).json()) as { alert: { acknowledgedBy: string; acknowledgedAt: number } }
    assert.equal(one.alert.acknowledgedBy, 'Dana (acknowledge link)')
    assert.ok(Math.abs(one.alert.acknowledgedAt - clock.now()) < 60_000)
    const events = (await (await fetch(`${svc.url}/api/v1/events?job=orders-eu`, { headers: token })).json()) as { events: { action: string; who: string }[] }
    assert.deepEqual(events.events.map((e) => `${e.action}:${e.who}`), ['acknowledge:Dana (acknowledge link)'])

    assert.equal((await post(path)).status, 403, 'used')
    assert.equal((await fetch(`${svc.url}${path}`)).status, 403, 'used')
    // Forged: the signature of this link on another incident id, and a made-up signature.
    const [enc, nonce, exp, sig] = path.slice('/api/v1/ack/'.length).split('.') as [string, string, string, string]
    const other = `/api/v1/ack/${Buffer.from('0123456789ab-1').toString('base64url')}.${nonce}.${exp}.${sig}`
    const madeUp = `/api/v1/ack/${enc}.${nonce}.${exp}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`
    for (const p of [other, madeUp]) {
      assert.equal((await fetch(`${svc.url}${p}`)).status, 403, `GET ${p}`)
      assert.equal((await post(p)).status, 403, `POST ${p}`)
    }
  })

  it('an expired link answers 403 to GET and POST and acknowledges nothing', async () => {
    const { path, id } = await failAndGetLink('payments')
    assert.equal((await fetch(`${svc.url}${path}`)).status, 200)
    offset += HOUR + 1000
    const get = await fetch(`${svc.url}${path}`)
    assert.equal(get.status, 403)
    assert.match(await get.text(), /expired/)
    assert.equal((await post(path)).status, 403)
    const one = (await (await fetch(`${svc.url}/api/v1/alerts/${id}`, { headers: token })).json()) as { alert: { acknowledgedBy?: string | null } }
    assert.equal(one.alert.acknowledgedBy ?? null, null)
  })
})
