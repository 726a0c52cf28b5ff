import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AckLinks } from '../../../alerting/oncall/ack-links.js'
import { renderParts, MARKDOWN } from '../../../alerting/channels/content.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { alert, noLinks } from './helpers.js'
import { H, oncallStore } from './oncall-helpers.js'

const tokenOf = (url: string): string => url.slice(url.lastIndexOf('/') + 1)

test('ack links: bound to the incident, expiring, usable once; a forged signature or payload is refused', async () => {
  const store = await oncallStore()
  const clock = new FakeClock()
  const links = new AckLinks({ store, clock, publicUrl: 'https://fw.example.com/', secret: 'a-configured-secret-of-some-length', ttlMs: H })
  await links.start()
  const url = links.link(alert('a'))!
  assert.match(url, /^https:\/\/fw\.example\.com\/api\/v1\/ack\/[A-Za-z0-9_.-]+$/)
  const token = tokenOf(url)
  assert.ok(token.length <= 100, `fits a path segment: ${token.length}`)
  const [id, nonce, exp, sig] = token.split('.') as [string, string, string, string]
  assert.deepEqual(await links.check(token), { ok: true, incidentId: 'inc-a', nonce, expiresAt: clock.now() + H })
  // Another incident id under the same signature: forged.
  assert.deepEqual(await links.check(`${Buffer.from('inc-b').toString('base64url')}.${nonce}.${exp}.${sig}`), { ok: false, reason: 'forged' })
  assert.deepEqual(await links.check(`${id}.${nonce}.${(parseInt(exp, 36) + 36_000).toString(36)}.${sig}`), { ok: false, reason: 'forged' }, 'the expiry is signed too')
  assert.deepEqual(await links.check(`${id}.${nonce}.${exp}.${'A'.repeat(22)}`), { ok: false, reason: 'forged' })
  assert.deepEqual(await links.check('garbage'), { ok: false, reason: 'forged' })
  // A key that differs (another deployment) does not accept it.
  const other = new AckLinks({ store, clock, publicUrl: 'https://fw.example.com', secret: 'another-secret-of-some-length!!', ttlMs: H })
  assert.deepEqual(await other.check(token), { ok: false, reason: 'forged' })
  // Once.
  assert.equal((await links.consume(token, 'alice')).ok, true)
  assert.deepEqual(await links.consume(token, 'bob'), { ok: false, reason: 'used' })
  assert.deepEqual(await links.check(token), { ok: false, reason: 'used' })
  // Expired: a fresh link, an hour later.
  const fresh = tokenOf(links.link(alert('a'))!)
  await clock.advance(H)
  assert.deepEqual(await links.check(fresh), { ok: false, reason: 'expired' })
  assert.deepEqual(await links.consume(fresh, 'alice'), { ok: false, reason: 'expired' })
})

test('ack links: without a secret the key is created once in the store and shared (restarts, other instances)', async () => {
  const store = await oncallStore()
  const clock = new FakeClock()
  const opts = { store, clock, publicUrl: 'https://fw.example.com', secret: undefined, ttlMs: H }
  const a = new AckLinks(opts)
  assert.equal(a.link(alert('a')), null, 'no key before start')
  await a.start()
  const token = tokenOf(a.link(alert('a'))!)
  const b = new AckLinks(opts)
  await b.start()
  assert.equal((await b.check(token)).ok, true)
  const noUrl = new AckLinks({ ...opts, publicUrl: undefined })
  await noUrl.start()
  assert.equal(noUrl.link(alert('a')), null, 'no link without server.publicUrl')
  assert.equal(a.link(alert('a', { state: 'resolved' })), null, 'no link for a resolved incident')
})

test('content: firing, reminder and escalation messages carry the acknowledge link; resolved and acknowledged ones do not; escalation says from whom', () => {
  const links = { ...noLinks, ack: () => 'https://fw/api/v1/ack/t.s' }
  const text = (kind: 'firing' | 'reminder' | 'escalation' | 'resolved', extra = {}) =>
    renderParts({ entries: [{ itemId: 'i', kind, alert: alert('a', extra), at: 1000 }], links }, MARKDOWN, 4000, 5).map((p) => `${p.title}\n${p.text}`).join('\n')
  assert.match(text('firing'), /\[acknowledge\]\(https:\/\/fw\/api\/v1\/ack\/t\.s\)/)
  assert.match(text('reminder'), /\[acknowledge\]/)
  assert.doesNotMatch(text('resolved'), /acknowledge/)
  assert.doesNotMatch(text('reminder', { acknowledgedBy: 'alice' }), /\[acknowledge\]/)
  const esc = text('escalation', { notifiedAt: 1000, escalations: [{ route: 0, level: 1, at: 1000 + 45 * 60_000, channels: ['l2'], from: ['l1'] }] })
  assert.match(esc, /\[ESCALATED\]/)
  assert.match(esc, /escalated to level 2: not acknowledged after 45 min; paged before: l1/)
  assert.match(esc, /\[acknowledge\]/)
})

test('webhook (Alertmanager v4): ack_url on firing alerts, escalation level and who was paged before', async () => {
  const { webhookChannel } = await import('../../../alerting/channels/webhook.js')
  const { channelConfig } = await import('./helpers.js')
  const ch = webhookChannel(channelConfig({ id: 'am', type: 'webhook', url: 'http://127.0.0.1:1/x' }) as never, new FakeClock())
  const links = { ...noLinks, ack: () => 'https://fw/api/v1/ack/t' }
  const annotations = (kind: 'firing' | 'escalation' | 'resolved', extra = {}) =>
    ((ch.render({ entries: [{ itemId: 'i', kind, alert: alert('a', extra), at: 1 }], links })[0]!.payload['alerts'] as { annotations: Record<string, string> }[])[0]!.annotations)
  assert.equal(annotations('firing')['ack_url'], 'https://fw/api/v1/ack/t')
  assert.equal(annotations('resolved')['ack_url'], undefined)
  assert.equal(annotations('firing', { acknowledgedBy: 'x' })['ack_url'], undefined)
  const esc = annotations('escalation', { escalations: [{ route: 0, level: 0, at: 5, channels: ['l1'], from: ['lead', 'sms'] }] })
  assert.deepEqual([esc['escalation_level'], esc['escalated_from']], ['1', 'lead,sms'])
})
