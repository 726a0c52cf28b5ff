import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createChannel } from '../../../alerting/channels/index.js'
import { fillTemplate } from '../../../alerting/channels/sms.js'
import { dingtalkSign, larkSign } from '../../../alerting/channels/sign.js'
import { classifyPlatformCode, type SendResult } from '../../../alerting/notify/result.js'
import { SlidingLimiter } from '../../../alerting/notify/limiter.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { FakeDingTalkBot } from '../../fakes/chat/dingtalk.js'
import { FakeHttpReceiver } from '../../fakes/chat/generic.js'
import { FakeLarkBot } from '../../fakes/chat/lark.js'
import { FakeSlackWebhook } from '../../fakes/chat/slack.js'
import { FakeWeComBot } from '../../fakes/chat/wecom.js'
import type { FakeReceiver } from '../../fakes/chat/receiver.js'
import { channelConfig, noLinks, transition } from './helpers.js'

const digest = (n = 1) => ({ entries: Array.from({ length: n }, (_, i) => ({ itemId: `i${i}`, kind: 'firing' as const, alert: transition(`orders-${i}`).alert, at: 1000 })), links: noLinks })

async function withFake<T extends FakeReceiver>(fake: T, fn: (f: T) => Promise<void>): Promise<void> {
  await fake.start()
  try {
    await fn(fake)
  } finally {
    await fake.stop()
  }
}

test('signature vectors: Lark keys with timestamp\\nsecret over an empty message; DingTalk keys with the secret', () => {
  // Vectors computed independently with Python's hmac module.
  assert.equal(larkSign(1_700_000_000, 'demo'), '8oT2n3SMKFfEnDoiwer8BUM/SjKLwe9SqoEIHlhDTKo=')
  assert.equal(dingtalkSign(1_700_000_000_000, 'demo'), 'xfnlAuOK5y01v9a1lNRpnLkBRS0dfla0aOWLQMANQuE=')
})

const platforms: { name: string; fake: (clock: FakeClock) => FakeReceiver; config: (url: string) => Record<string, unknown>; throttle: (r: SendResult) => boolean; burst: number }[] = [
  { name: 'lark', fake: (c) => new FakeLarkBot('s3cret', () => c.now()), config: (url) => ({ id: 'l', type: 'lark', url, secret: 's3cret' }), throttle: (r) => r.status === 'retryable' && /11232/.test(r.message), burst: 5 },
  { name: 'feishu', fake: (c) => new FakeLarkBot('s3cret', () => c.now()), config: (url) => ({ id: 'f', type: 'feishu', url, secret: 's3cret' }), throttle: (r) => r.status === 'retryable' && /11232/.test(r.message), burst: 5 },
  { name: 'dingtalk', fake: (c) => new FakeDingTalkBot('SECabc', () => c.now()), config: (url) => ({ id: 'd', type: 'dingtalk', url: `${url}/robot/send?access_token=t`, secret: 'SECabc', atMobiles: ['13800000000'] }), throttle: (r) => r.status === 'retryable' && /130101/.test(r.message), burst: 20 },
  { name: 'wecom', fake: (c) => new FakeWeComBot('k1', () => c.now()), config: (url) => ({ id: 'w', type: 'wecom', url: `${url}/cgi-bin/webhook/send?key=k1` }), throttle: (r) => r.status === 'retryable' && /45009/.test(r.message), burst: 20 },
  { name: 'slack', fake: (c) => new FakeSlackWebhook(() => c.now()), config: (url) => ({ id: 's', type: 'slack', url }), throttle: (r) => r.status === 'retryable' && r.reason === 'throttled' && r.retryAfterMs === 1000, burst: 1 },
]

for (const p of platforms) {
  test(`${p.name}: accepted by its fake receiver (signature checked), and its limit answered with the platform's throttle reply`, async () => {
    const clock = new FakeClock()
    await withFake(p.fake(clock), async (fake) => {
      const ch = createChannel(channelConfig(p.config(fake.url)), clock)
      const [msg] = ch.render(digest())
      assert.deepEqual(await ch.send(msg!.payload), { status: 'success' })
      assert.match(fake.deliveredText(), /orders-0/)
      // Past the limit (no limiter here): the platform's own reply, read as "retry later".
      let last: SendResult = { status: 'success' }
      for (let i = 1; i <= p.burst; i++) last = await ch.send(msg!.payload)
      assert.ok(p.throttle(last), JSON.stringify(last))
      assert.equal(fake.throttled, 1)
    })
  })
}

test('lark: a wrong secret is a permanent auth failure (19021), never a success', async () => {
  const clock = new FakeClock()
  await withFake(new FakeLarkBot('right', () => clock.now()), async (fake) => {
    const ch = createChannel(channelConfig({ id: 'l', type: 'lark', url: fake.url, secret: 'wrong' }), clock)
    const r = await ch.send(ch.render(digest())[0]!.payload)
    assert.equal(r.status, 'failure')
    assert.match((r as { message: string }).message, /19021/)
  })
})

test('wecom: mentions go in a short text message after the markdown digest (markdown cannot @-mention)', async () => {
  const clock = new FakeClock()
  await withFake(new FakeWeComBot('k1', () => clock.now()), async (fake) => {
    const ch = createChannel(channelConfig({ id: 'w', type: 'wecom', url: `${fake.url}/cgi-bin/webhook/send?key=k1`, mentionedMobiles: ['13800000000'] }), clock)
    const msgs = ch.render(digest(3))
    assert.deepEqual(msgs.map((m) => m.payload['msgtype']), ['markdown', 'text'])
    assert.deepEqual(msgs[1]!.itemIds, [], 'the mention names no item: the digest carries them')
    for (const m of msgs) assert.deepEqual(await ch.send(m.payload), { status: 'success' })
    assert.deepEqual(fake.mentioned, ['13800000000'])
    assert.equal(fake.ignoredMentions, 0)
    assert.match(fake.deliveredText(), /orders-2/)
    // Nothing to @ anyone for when everything resolved, or when no mobiles are configured.
    const resolved = { entries: [{ itemId: 'r', kind: 'resolved' as const, alert: transition('orders-0', 'resolved', { state: 'resolved', endsAt: 5000 }).alert, at: 5000 }], links: noLinks }
    assert.deepEqual(ch.render(resolved).map((m) => m.payload['msgtype']), ['markdown'])
    const quiet = createChannel(channelConfig({ id: 'w2', type: 'wecom', url: `${fake.url}/cgi-bin/webhook/send?key=k1` }), clock)
    assert.deepEqual(quiet.render(digest(3)).map((m) => m.payload['msgtype']), ['markdown'])
  })
})

test('dingtalk: keyword mismatch is permanent (310000)', async () => {
  const clock = new FakeClock()
  await withFake(new FakeDingTalkBot(null, () => clock.now(), 'ALERT-KEYWORD'), async (fake) => {
    const ch = createChannel(channelConfig({ id: 'd', type: 'dingtalk', url: fake.url }), clock)
    const r = await ch.send(ch.render(digest())[0]!.payload)
    assert.equal(r.status, 'failure')
  })
})

test('the limiter keeps a channel under the fake bot limit: 30 messages, 0 throttled', async () => {
  const clock = new FakeClock()
  await withFake(new FakeLarkBot(null, () => clock.now()), async (fake) => {
    const ch = createChannel(channelConfig({ id: 'l', type: 'lark', url: fake.url }), clock)
    const limiter = new SlidingLimiter(ch.windows, clock)
    const payload = ch.render(digest())[0]!.payload
    for (let i = 0; i < 30; i++) {
      const wait = limiter.waitMs()
      if (wait > 0) await clock.advance(wait)
      assert.deepEqual(await ch.send(payload), { status: 'success' })
      limiter.record()
    }
    assert.equal(fake.throttled, 0)
    assert.equal(fake.delivered.length, 30)
  })
})

test('size limits: a 1,000-job digest fits every platform, split into at most maxMessages, naming every job', () => {
  const clock = new FakeClock()
  const limits: Record<string, number> = { lark: 20 * 1024, dingtalk: 20_000, wecom: 4096, slack: 40_000 }
  for (const [type, max] of Object.entries(limits)) {
    const ch = createChannel(channelConfig({ id: type, type, url: 'http://127.0.0.1:9/k?key=x', maxMessages: type === 'wecom' ? 20 : 5 }), clock)
    const msgs = ch.render(digest(1000))
    const text = msgs.map((m) => JSON.stringify(m.payload)).join('\n')
    for (const m of msgs) assert.ok(Buffer.byteLength(type === 'wecom' ? String((m.payload['markdown'] as { content: string }).content) : JSON.stringify(m.payload)) <= max, `${type} message too large`)
    assert.equal(new Set(msgs.flatMap((m) => m.itemIds)).size, 1000, `${type}: every item in some message`)
    if (type !== 'wecom') assert.equal(new Set(text.match(/orders-\d+/g)).size, 1000, `${type}: every job named`)
  }
  // Past maxMessages the last message counts the rest.
  const sms = createChannel(channelConfig({ id: 'sms', type: 'sms', url: 'http://127.0.0.1:9/sms', phones: ['+8613800000000'], maxMessages: 1 }), clock)
  const [only, ...rest] = sms.render(digest(1000))
  assert.equal(rest.length, 0)
  assert.match(String(only!.payload['text']), /… and \d+ more jobs/)
  assert.ok(String(only!.payload['text']).length <= 500)
})

test('webhook: Alertmanager v4 payload; sms: body template with phones and text', async () => {
  const clock = new FakeClock()
  await withFake(new FakeHttpReceiver(() => clock.now()), async (fake) => {
    const wh = createChannel(channelConfig({ id: 'am', type: 'webhook', url: `${fake.url}/am`, headers: { authorization: 'Bearer x' } }), clock)
    assert.deepEqual(await wh.send(wh.render(digest(2))[0]!.payload), { status: 'success' })
    const body = fake.delivered[0]!.json as { version: string; status: string; alerts: { labels: Record<string, string>; status: string }[]; commonLabels: Record<string, string> }
    assert.equal(body.version, '4')
    assert.equal(body.status, 'firing')
    assert.equal(body.alerts[0]!.labels['alertname'], 'job-failed')
    assert.equal(body.commonLabels['cluster'], 'c1')
    assert.equal(fake.delivered[0]!.headers['authorization'], 'Bearer x')
    const sms = createChannel(channelConfig({ id: 'sms', type: 'sms', url: `${fake.url}/sms`, phones: ['+8613800000000', '+8613900000000'], bodyTemplate: '{"PhoneNumbers":"{{phones}}","TemplateParam":{"text":{{textJson}}}}' }), clock)
    assert.deepEqual(await sms.send(sms.render(digest())[0]!.payload), { status: 'success' })
    const s = fake.delivered[1]!.json as { PhoneNumbers: string; TemplateParam: { text: string } }
    assert.equal(s.PhoneNumbers, '+8613800000000,+8613900000000')
    assert.match(s.TemplateParam.text, /orders-0/)
  })
  assert.equal(fillTemplate('to={{phones}}&t={{text}}', ['1'], 'a b', encodeURIComponent), 'to=1&t=a%20b')
})

// The shared retry matrix: what a platform answers → retry or not, for every channel.
const matrix: { reply: { status: number; body: unknown; headers?: Record<string, string> }; lark: string; dingtalk: string; wecom: string; slack: string; webhook: string }[] = [
  { reply: { status: 200, body: { code: 0, errcode: 0 } }, lark: 'success', dingtalk: 'success', wecom: 'success', slack: 'success', webhook: 'success' },
  { reply: { status: 200, body: { code: 11232, msg: 'frequency limited' } }, lark: 'retryable', dingtalk: 'failure', wecom: 'failure', slack: 'success', webhook: 'success' },
  { reply: { status: 200, body: { errcode: 130101, errmsg: 'send too fast' } }, lark: 'failure', dingtalk: 'retryable', wecom: 'failure', slack: 'success', webhook: 'success' },
  { reply: { status: 200, body: { errcode: 45009, errmsg: 'api freq out of limit' } }, lark: 'failure', dingtalk: 'failure', wecom: 'retryable', slack: 'success', webhook: 'success' },
  { reply: { status: 200, body: { code: 19021, msg: 'sign match fail' } }, lark: 'failure', dingtalk: 'failure', wecom: 'failure', slack: 'success', webhook: 'success' },
  { reply: { status: 200, body: { code: 19024, msg: 'Key Words Not Found' } }, lark: 'failure', dingtalk: 'failure', wecom: 'failure', slack: 'success', webhook: 'success' },
  { reply: { status: 200, body: { errcode: 310000, errmsg: 'keywords not in content' } }, lark: 'failure', dingtalk: 'failure', wecom: 'failure', slack: 'success', webhook: 'success' },
  { reply: { status: 429, body: 'rate_limited', headers: { 'retry-after': '3' } }, lark: 'retryable', dingtalk: 'retryable', wecom: 'retryable', slack: 'retryable', webhook: 'retryable' },
  { reply: { status: 500, body: 'oops' }, lark: 'retryable', dingtalk: 'retryable', wecom: 'retryable', slack: 'retryable', webhook: 'retryable' },
  { reply: { status: 503, body: 'oops' }, lark: 'retryable', dingtalk: 'retryable', wecom: 'retryable', slack: 'retryable', webhook: 'retryable' },
  { reply: { status: 400, body: 'invalid_payload' }, lark: 'failure', dingtalk: 'failure', wecom: 'failure', slack: 'failure', webhook: 'failure' },
  { reply: { status: 404, body: 'no_service' }, lark: 'failure', dingtalk: 'failure', wecom: 'failure', slack: 'failure', webhook: 'failure' },
  { reply: { status: 403, body: 'invalid_token' }, lark: 'failure', dingtalk: 'failure', wecom: 'failure', slack: 'failure', webhook: 'failure' },
]

test('retry matrix: every channel, every reply', async () => {
  const clock = new FakeClock()
  await withFake(new FakeHttpReceiver(() => clock.now()), async (fake) => {
    for (const row of matrix) {
      fake.override = () => row.reply
      for (const type of ['lark', 'dingtalk', 'wecom', 'slack', 'webhook'] as const) {
        const ch = createChannel(channelConfig({ id: type, type, url: `${fake.url}/x?key=k` }), clock)
        const r = await ch.send(ch.render(digest())[0]!.payload)
        assert.equal(r.status, row[type], `${type} ← ${JSON.stringify(row.reply)}: ${JSON.stringify(r)}`)
        if (row.reply.status === 429) assert.equal((r as { retryAfterMs?: number }).retryAfterMs, 3000)
      }
    }
  })
})

test('network errors and timeouts are retryable; a non-JSON 200 from a coded platform is a failure', async () => {
  const clock = new FakeClock()
  const ch = createChannel(channelConfig({ id: 'l', type: 'lark', url: 'http://127.0.0.1:1/hook' }), clock)
  const r = await ch.send(ch.render(digest())[0]!.payload)
  assert.equal(r.status, 'retryable')
  assert.equal(classifyPlatformCode('lark', { status: 200, headers: new Headers(), text: '<html>' }, 0).status, 'failure')
})
