/** Channel leases in the notification pipeline: only the holder sends; a handover and a crashed holder send nothing twice. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Clock } from '../../../src/core/clock.js'
import type { Store } from '../../../src/storage/store.js'
import { larkChannel } from '../../../alerting/channels/lark.js'
import type { Channel } from '../../../alerting/channels/channel.js'
import { notifyMetrics } from '../../../alerting/notify/metrics.js'
import { Outbox } from '../../../alerting/notify/outbox.js'
import { NotificationPipeline } from '../../../alerting/notify/pipeline.js'
import { MESSAGES } from '../../../alerting/engine/collections.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { channelConfig, noLinks, quietLogger, tempStore, transition, until } from '../alerting/helpers.js'

/** A Lark channel (real rendering and limits) recording what it "sent" per instance. */
function recording(clock: Clock, sent: { by: string; body: string }[], by: string): Channel {
  const real = larkChannel(channelConfig({ id: 'lark', type: 'lark', url: 'http://127.0.0.1:1/hook' }) as never, clock)
  return { ...real, send: async (p) => (sent.push({ by, body: JSON.stringify(p) }), { status: 'success' }) }
}

function instance(store: Store, clock: Clock, sent: { by: string; body: string }[], id: string, holds: () => boolean): NotificationPipeline {
  return new NotificationPipeline({
    outbox: new Outbox(store),
    clock,
    logger: quietLogger,
    metrics: notifyMetrics(undefined),
    channels: [recording(clock, sent, id)],
    routes: [],
    groupWaitMs: 1000,
    links: noLinks,
    instanceId: id,
    mayDeliver: () => holds(),
    delivery: { retry: { retries: 3, initialDelayMs: 1000, maxDelayMs: 10_000, multiplier: 2, jitter: 0 }, requeueAfterMs: 60_000 },
  })
}

/** Job names per message (a message may name a job in more than one place), concatenated: a job in two messages appears twice. */
const names = (sent: { body: string }[]): string[] => sent.flatMap((s) => [...new Set(s.body.match(/job-\d+/g) ?? [])])

test('only the channel holder sends: others write messages into the outbox, the holder finds them; a handover doubles nothing', async () => {
  const clock = new FakeClock()
  const store = await tempStore()
  const sent: { by: string; body: string }[] = []
  let holder = 'b'
  const a = instance(store, clock, sent, 'a', () => holder === 'a')
  const b = instance(store, clock, sent, 'b', () => holder === 'b')
  await a.start()
  await b.start()
  // a owns the clusters where jobs fail, b holds the channel.
  for (let i = 0; i < 50; i++) a.accept(transition(`job-${i}`, 'firing', {}, clock.now()))
  await a.settled()
  await clock.advance(1500)
  assert.equal(sent.length, 0, 'a writes messages but sends none')
  await until('b sent the first wave', () => new Set(names(sent)).size === 50, async () => {
    await b.scan()
    await clock.advance(100)
  })
  assert.ok(sent.every((s) => s.by === 'b'))
  // Handover: b stops (waits for the send under way), then a takes the channel and resumes it.
  await b.releaseChannel('lark')
  holder = 'a'
  await a.resumeChannel('lark')
  for (let i = 50; i < 100; i++) b.accept(transition(`job-${i}`, 'firing', {}, clock.now()))
  await b.settled()
  await until('a sent the second wave', () => new Set(names(sent)).size === 100, async () => {
    await a.scan()
    await clock.advance(100)
  })
  assert.equal(names(sent).length, 100, 'no job named twice')
  assert.ok(sent.filter((s) => names([s]).some((n) => Number(n.slice(4)) >= 50)).every((s) => s.by === 'a'))
  await a.stop()
  await b.stop()
  await store.close()
})

test('a message claimed by a holder that died before confirming is resent once by the next holder; pending ones are sent once', async () => {
  const clock = new FakeClock()
  const store = await tempStore()
  const sent: { by: string; body: string }[] = []
  let holder = 'nobody'
  const a = instance(store, clock, sent, 'a', () => holder === 'a')
  await a.start()
  for (let i = 0; i < 3; i++) a.accept(transition(`job-${i}`, 'firing', {}, clock.now()))
  await a.settled()
  await clock.advance(1500)
  const outbox = new Outbox(store)
  const open = await outbox.openMessages()
  assert.ok(open.length >= 1)
  // A dead holder "x" claimed the first message and never confirmed it.
  const first = (await outbox.getMessage(open[0]!.id))!
  await outbox.casMessage({ ...first.message, state: 'sending', claimedBy: 'x' }, first.version)
  holder = 'a'
  // A routine scan leaves another's claim alone; taking the lease resumes it.
  await a.scan()
  await clock.advance(100)
  const claimedStill = (await store.get(MESSAGES, open[0]!.id))?.body['state']
  assert.equal(claimedStill, 'sending')
  await a.resumeChannel('lark')
  await until('all sent', () => new Set(names(sent)).size === 3, () => clock.advance(100))
  await a.resumeChannel('lark')
  await a.scan()
  await clock.advance(1000)
  assert.equal(names(sent).length, 3, 'each job named once')
  assert.equal(sent.length, open.length, 'each message sent once')
  await a.stop()
  await store.close()
})

test('a holder in retry backoff gives the channel up at once: the message goes back to pending and the next holder sends it once', async () => {
  const clock = new FakeClock()
  const store = await tempStore()
  const sent: { by: string; body: string }[] = []
  let holder = 'a'
  // a's platform is failing (retryable): a sits in backoff.
  const failing: Channel = { ...recording(clock, sent, 'a'), send: async () => ({ status: 'retryable', reason: 'server', message: 'HTTP 503' }) as never }
  const a = new NotificationPipeline({
    outbox: new Outbox(store), clock, logger: quietLogger, metrics: notifyMetrics(undefined), channels: [failing], routes: [], groupWaitMs: 1000, links: noLinks, instanceId: 'a',
    mayDeliver: () => holder === 'a',
    delivery: { retry: { retries: 6, initialDelayMs: 30_000, maxDelayMs: 60_000, multiplier: 2, jitter: 0 }, requeueAfterMs: 60_000 },
  })
  const b = instance(store, clock, sent, 'b', () => holder === 'b')
  await a.start()
  await b.start()
  a.accept(transition('job-1', 'firing', {}, clock.now()))
  await a.settled()
  await clock.advance(10)
  const outbox = new Outbox(store)
  const claimed = await outbox.openMessages()
  assert.deepEqual(claimed.map((m) => [m.state, m.claimedBy]), [['sending', 'a']])
  holder = 'b'
  // No clock movement needed: the backoff is cut short.
  await a.releaseChannel('lark')
  assert.deepEqual((await outbox.openMessages()).map((m) => [m.state, m.claimedBy]), [['pending', null]])
  await b.resumeChannel('lark')
  await until('b sent it', () => sent.length === 1, () => clock.advance(100))
  await clock.advance(120_000)
  assert.deepEqual(sent.map((s) => s.by), ['b'])
  await a.stop()
  await b.stop()
  await store.close()
})
