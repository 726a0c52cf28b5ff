import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Clock } from '../../../src/core/clock.js'
import type { Store } from '../../../src/storage/store.js'
import { larkChannel } from '../../../alerting/channels/lark.js'
import { smsChannel } from '../../../alerting/channels/sms.js'
import type { Channel } from '../../../alerting/channels/channel.js'
import { notifyMetrics } from '../../../alerting/notify/metrics.js'
import { Outbox } from '../../../alerting/notify/outbox.js'
import { NotificationPipeline } from '../../../alerting/notify/pipeline.js'
import type { SendResult } from '../../../alerting/notify/result.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { channelConfig, killable, noLinks, quietLogger, tempStore, transition, until } from './helpers.js'

/** A Lark channel (real rendering and limits) whose sends are scripted instead of posted. */
function scripted(clock: Clock, script: (payload: Record<string, unknown>, n: number) => SendResult | Promise<SendResult> = () => ({ status: 'success' })) {
  const real = larkChannel(channelConfig({ id: 'lark', type: 'lark', url: 'http://127.0.0.1:1/hook' }) as never, clock)
  const sent: string[] = []
  let n = 0
  const channel: Channel = { ...real, send: async (p) => {
    const r = await script(p, n++)
    if (r.status === 'success') sent.push(JSON.stringify(p))
    return r
  } }
  return { channel, sent, attempts: () => n }
}

function pipeline(store: Store, clock: Clock, channel: Channel, extra: Partial<ConstructorParameters<typeof NotificationPipeline>[0]> = {}) {
  const delivery = { retry: { retries: 3, initialDelayMs: 1000, maxDelayMs: 10_000, multiplier: 2, jitter: 0 }, requeueAfterMs: 60_000 }
  const metrics = notifyMetrics(undefined)
  return new NotificationPipeline({ outbox: new Outbox(store), clock, logger: quietLogger, metrics, channels: [channel], routes: [], groupWaitMs: 1000, links: noLinks, delivery, ...extra })
}

const names = (sent: string[]): string[] => sent.join('\n').match(/job-\d+/g) ?? []

test('grouping: 1,000 failures within groupWait become a handful of messages naming every job once', async () => {
  const clock = new FakeClock()
  const store = await tempStore()
  const ch = scripted(clock)
  const p = pipeline(store, clock, ch.channel)
  await p.start()
  for (let i = 0; i < 1000; i++) p.accept(transition(`job-${i}`, 'firing', { cluster: `c${i % 10}` }, clock.now()))
  await p.settled()
  await until('all delivered', () => new Set(names(ch.sent)).size === 1000, () => clock.advance(100))
  assert.ok(ch.sent.length <= 5, `${ch.sent.length} messages`)
  assert.equal(names(ch.sent).length, 1000, 'no job named twice')
  for (const body of ch.sent) assert.ok(Buffer.byteLength(body) < 20 * 1024)
  await p.stop()
})

/** A cluster's jobs failing in one poll: 100 transitions detected at the same moment. */
function clusterFails(p: NotificationPipeline, clock: FakeClock, c: number): void {
  for (let j = 0; j < 100; j++) p.accept(transition(`job-${c * 100 + j}`, 'firing', { cluster: `c${c}` }, clock.now()))
}

test('storm over one second: the first message leaves at detection, the rest as digests, every job once, at most 5 messages', async () => {
  const clock = new FakeClock()
  const store = await tempStore()
  const ch = scripted(clock)
  const sentAt: number[] = []
  const channel: Channel = { ...ch.channel, send: async (payload) => {
    const r = await ch.channel.send(payload)
    if (r.status === 'success') sentAt.push(clock.now())
    return r
  } }
  const p = pipeline(store, clock, channel)
  await p.start()
  const t0 = clock.now()
  clusterFails(p, clock, 0)
  await p.settled()
  // Real I/O only (SQLite, promises): the clock does not move until the first message is out.
  await until('first message delivered', () => ch.sent.length === 1)
  assert.equal(sentAt[0], t0, 'sent at detection, not groupWait later')
  assert.equal(new Set(names(ch.sent)).size, 100, "the first message names all of the first cluster's jobs")
  for (let c = 1; c < 10; c++) {
    await clock.advance(110)
    clusterFails(p, clock, c)
    await p.settled()
  }
  await until('all delivered', () => new Set(names(ch.sent)).size === 1000, () => clock.advance(50))
  await clock.advance(10_000)
  assert.ok(ch.sent.length <= 5, `${ch.sent.length} messages`)
  assert.equal(names(ch.sent).length, 1000, 'no job named twice')
  assert.ok(sentAt.at(-1)! - t0 <= 2000, `all named ${sentAt.at(-1)! - t0} ms after the storm began`)
  await p.stop()
})

test('storm on SMS: the first message is one SMS with the counts, the digest names the jobs; maxMessages in all', async () => {
  const clock = new FakeClock()
  const store = await tempStore()
  const real = smsChannel(channelConfig({ id: 'sms', type: 'sms', url: 'http://127.0.0.1:1/sms', phones: ['+8613800000000'] }) as never, clock)
  const texts: { at: number; text: string }[] = []
  const channel: Channel = { ...real, send: async (payload) => {
    texts.push({ at: clock.now(), text: String(payload['text']) })
    return { status: 'success' }
  } }
  const p = pipeline(store, clock, channel)
  await p.start()
  const t0 = clock.now()
  clusterFails(p, clock, 0)
  await p.settled()
  await until('first SMS sent', () => texts.length === 1)
  assert.equal(texts[0]!.at, t0)
  assert.match(texts[0]!.text, /100 jobs on 1 cluster/)
  assert.match(texts[0]!.text, /in the next message/)
  await clock.advance(500)
  clusterFails(p, clock, 1)
  await p.settled()
  await until('digest sent', () => texts.length > 1 && p.channelHealth()['sms']!.queued === 0, () => clock.advance(1000))
  await clock.advance(120_000)
  assert.ok(texts.length <= real.maxMessages, `${texts.length} SMS`)
  const items = await Promise.all(Array.from({ length: 200 }, (_, j) => new Outbox(store).itemsOf(`inc-job-${j}`)))
  assert.deepEqual(new Set(items.flat().map((i) => i.state)), new Set(['sent']), 'every transition delivered, none left waiting')
  await p.stop()
})

test('crash between the first message and the digest: the waiting transitions are sent once, the first message not again', async () => {
  const clock = new FakeClock()
  const store = await tempStore()
  const first = scripted(clock)
  const lifeClock = killable(clock)
  const a = pipeline(store, lifeClock, first.channel, { instanceId: 'a' })
  await a.start()
  clusterFails(a, clock, 0)
  await a.settled()
  await until('first message delivered', () => first.sent.length === 1)
  await clock.advance(500)
  clusterFails(a, clock, 1)
  await a.settled()
  lifeClock.kill()
  assert.equal(new Set(names(first.sent)).size, 100, 'the second cluster was still waiting for its digest')

  const second = scripted(clock)
  const b = pipeline(store, clock, second.channel, { instanceId: 'b' })
  await b.start()
  const all = () => [...names(first.sent), ...names(second.sent)]
  await until('every job delivered', () => new Set(all()).size === 200, () => clock.advance(100))
  await clock.advance(60_000)
  assert.equal(all().length, 200, 'nothing doubled')
  assert.deepEqual(new Set(names(second.sent)), new Set(Array.from({ length: 100 }, (_, j) => `job-${100 + j}`)))
  await b.stop()
})

test('dedup: the same transition accepted twice is one notification; resolved is its own', async () => {
  const clock = new FakeClock()
  const store = await tempStore()
  const ch = scripted(clock)
  const p = pipeline(store, clock, ch.channel)
  await p.start()
  p.accept(transition('job-1'))
  p.accept(transition('job-1'))
  await p.settled()
  await until('firing delivered', () => ch.sent.length === 1, () => clock.advance(100))
  p.accept(transition('job-1', 'resolved', { state: 'resolved', endsAt: 5000 }))
  await p.settled()
  await until('resolved delivered', () => ch.sent.length === 2, () => clock.advance(100))
  assert.match(ch.sent[1]!, /RESOLVED/)
  await p.stop()
})

test('retries throttling with backoff and Retry-After; a non-zero code is never success', async () => {
  const clock = new FakeClock()
  const store = await tempStore()
  const ch = scripted(clock, (_, n) => (n === 0 ? { status: 'retryable', reason: 'throttled', message: 'lark code 11232' } : n === 1 ? { status: 'retryable', reason: 'throttled', message: '429', retryAfterMs: 7000 } : { status: 'success' }))
  const p = pipeline(store, clock, ch.channel)
  await p.start()
  p.accept(transition('job-1'))
  await p.settled()
  await until('delivered', () => ch.sent.length === 1, () => clock.advance(250))
  assert.equal(ch.attempts(), 3)
  await p.stop()
})

test('permanent failure: not retried, channel unhealthy in readiness, items marked failed', async () => {
  const clock = new FakeClock()
  const store = await tempStore()
  const ch = scripted(clock, () => ({ status: 'failure', reason: 'auth', message: 'lark code 19021: sign match fail' }))
  const p = pipeline(store, clock, ch.channel)
  await p.start()
  p.accept(transition('job-1'))
  await p.settled()
  await until('unhealthy', () => !p.readiness().ready, () => clock.advance(250))
  await clock.advance(60_000)
  assert.equal(ch.attempts(), 1)
  assert.match(p.readiness().detail, /channel lark unhealthy: auth: lark code 19021/)
  const items = await new Outbox(store).itemsOf('inc-job-1')
  assert.deepEqual(items.map((i) => i.state), ['failed'])
  await p.stop()
})

test('restart from the outbox: a pipeline dropped mid-storm loses nothing and doubles nothing', async () => {
  const clock = new FakeClock()
  const store = await tempStore()
  // First life: 1 message a minute, so the storm backs up in the queue and the group.
  const first = scripted(clock)
  const lifeClock = killable(clock)
  const a = pipeline(store, lifeClock, { ...first.channel, windows: [{ limit: 1, ms: 60_000 }] }, { instanceId: 'a' })
  await a.start()
  for (let i = 0; i < 300; i++) a.accept(transition(`job-${i}`, 'firing', { cluster: `c${i % 3}` }, clock.now()))
  await a.settled()
  await until('first message sent', () => first.sent.length === 1, () => clock.advance(100))
  // A second wave: accepted (in the outbox) but still waiting in its group when the process dies.
  for (let i = 300; i < 400; i++) a.accept(transition(`job-${i}`))
  await a.settled()
  lifeClock.kill()

  const second = scripted(clock)
  const b = pipeline(store, clock, second.channel, { instanceId: 'b' })
  await b.start()
  const all = () => [...names(first.sent), ...names(second.sent)]
  await until('every job delivered', () => new Set(all()).size === 400, () => clock.advance(200))
  await clock.advance(120_000)
  assert.equal(all().length, 400, 'nothing doubled')
  await b.stop()
})

test('a message waiting for its retry time does not hold up the channel: later messages go first', async () => {
  const clock = new FakeClock()
  const store = await tempStore()
  // First life: the platform keeps failing, the retries run out, the message is put back for 60 s.
  const failing = scripted(clock, () => ({ status: 'retryable', reason: 'server', message: 'HTTP 503' }))
  const lifeClock = killable(clock)
  const a = pipeline(store, lifeClock, failing.channel, { instanceId: 'a' })
  await a.start()
  a.accept(transition('job-1'))
  await a.settled()
  const outbox = new Outbox(store)
  let putBack = false
  await until('put back for later', () => putBack, async () => {
    await clock.advance(250)
    const [m] = await outbox.openMessages()
    putBack = m?.state === 'pending' && m.notBefore !== null
  })
  lifeClock.kill()
  const [waiting] = await outbox.openMessages()
  assert.ok(waiting!.notBefore! - clock.now() > 50_000)

  // Second life: the put-back message is recovered, then a new incident arrives.
  const ch = scripted(clock)
  const b = pipeline(store, clock, ch.channel, { instanceId: 'b' })
  await b.start()
  const started = clock.now()
  b.accept(transition('job-2', 'firing', {}, clock.now()))
  await b.settled()
  await until('the new message delivered', () => ch.sent.length === 1, () => clock.advance(100))
  assert.ok(clock.now() - started < 10_000, `delivered after ${clock.now() - started} ms`)
  const first = () => ch.sent.map((body) => body.match(/job-\d+/)?.[0])
  assert.deepEqual(first(), ['job-2'])
  assert.equal(b.channelHealth()['lark']!.queued, 1, 'the waiting message still counts as queued')
  await until('the put-back message delivered when due', () => ch.sent.length === 2, () => clock.advance(1000))
  assert.ok(clock.now() >= waiting!.notBefore!)
  assert.deepEqual(first(), ['job-2', 'job-1'])
  await b.stop()
})

test('dedup memory is bounded: ids are forgotten by age and by count', async () => {
  const clock = new FakeClock()
  const store = await tempStore()
  const ch = scripted(clock)
  const p = pipeline(store, clock, ch.channel, { dedup: { maxAgeMs: 60_000, maxEntries: 10 } })
  await p.start()
  for (let i = 0; i < 50; i++) p.accept(transition(`job-${i}`, 'firing', {}, clock.now()))
  assert.ok(p.acceptedCount <= 10, `${p.acceptedCount} ids remembered`)
  // Within the window a duplicate is still dropped.
  p.accept(transition('job-49', 'firing', {}, clock.now()))
  await p.settled()
  await until('all delivered', () => new Set(names(ch.sent)).size === 50, () => clock.advance(100))
  assert.equal(names(ch.sent).length, 50)
  await clock.advance(61_000)
  p.accept(transition('job-new', 'firing', {}, clock.now()))
  assert.equal(p.acceptedCount, 1, 'ids older than maxAge are forgotten')
  await p.stop()
})
