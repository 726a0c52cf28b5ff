import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Grouper, type FlushKind } from '../../../alerting/notify/group.js'
import type { OutboxItem } from '../../../alerting/notify/outbox.js'
import { Router } from '../../../alerting/notify/route.js'
import type { Channel } from '../../../alerting/channels/channel.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { transition } from './helpers.js'

const WAIT = 1000

function item(name: string, at: number, extra: Partial<OutboxItem> = {}): OutboxItem {
  const t = transition(name, 'firing', {}, at)
  return { id: `${t.id}~lark`, channel: 'lark', groupKey: 'default', groupWaitMs: WAIT, holdFirst: false, transitionId: t.id, incidentId: t.alert.id, kind: 'firing', state: 'pending', messageId: null, createdAt: at, sentAt: null, transition: t, ...extra }
}

/** A grouper whose flushes are recorded as [clock time, channel, job names] (and their kinds). */
function harness() {
  const clock = new FakeClock()
  const flushed: { at: number; channel: string; names: string[] }[] = []
  const kinds: FlushKind[] = []
  const g = new Grouper(clock, (channel, items, kind) => {
    flushed.push({ at: clock.now(), channel, names: items.map((i) => i.transition.alert.jobName ?? '') })
    kinds.push(kind)
  })
  const t0 = clock.now()
  return { clock, g, flushed, kinds, t0, since: () => flushed.map((f) => ({ ...f, at: f.at - t0 })) }
}

test('group: a quiet group sends its first transitions at once; what follows within groupWait is the next digest', async () => {
  const { clock, g, since } = harness()
  g.add([item('job-1', clock.now())])
  assert.deepEqual(since(), [{ at: 0, channel: 'lark', names: ['job-1'] }], 'sent without waiting for groupWait')
  await clock.advance(300)
  g.add([item('job-2', clock.now())])
  await clock.advance(400)
  g.add([item('job-3', clock.now())])
  assert.equal(since().length, 1, 'held for the digest')
  assert.deepEqual(g.waiting(), new Map([['lark', 2]]))
  await clock.advance(300)
  assert.deepEqual(since(), [
    { at: 0, channel: 'lark', names: ['job-1'] },
    { at: WAIT, channel: 'lark', names: ['job-2', 'job-3'] },
  ], 'one digest, groupWait after the first transition was detected')
  await clock.advance(10 * WAIT)
  assert.equal(since().length, 2, 'nothing sent twice, nothing more')
})

test('group: transitions written together are one first message (a cluster losing 100 jobs at once)', () => {
  const { clock, g, flushed } = harness()
  g.add(Array.from({ length: 100 }, (_, i) => item(`job-${i}`, clock.now())))
  assert.equal(flushed.length, 1)
  assert.equal(flushed[0]!.names.length, 100)
})

test('group: while transitions keep coming, at most one digest per groupWait; a quiet groupWait makes the next one immediate again', async () => {
  const { clock, g, since, t0 } = harness()
  // One transition every 250 ms for 3 s.
  for (let i = 0; i < 12; i++) {
    g.add([item(`job-${i}`, clock.now())])
    await clock.advance(250)
  }
  await clock.advance(2 * WAIT)
  const sent = since()
  assert.deepEqual(sent.map((f) => f.at), [0, 1000, 2000, 3000], 'the first at once, then one digest per groupWait')
  assert.deepEqual(sent.flatMap((f) => f.names), Array.from({ length: 12 }, (_, i) => `job-${i}`), 'every transition once, in order')
  // Quiet for more than groupWait: the next transition is news again and goes at once.
  g.add([item('job-late', clock.now())])
  assert.deepEqual(since().at(-1), { at: clock.now() - t0, channel: 'lark', names: ['job-late'] })
})

test('group: the first message is marked leading and counts against the digest that closes its window', async () => {
  const { clock, g, kinds } = harness()
  for (let i = 0; i < 8; i++) {
    g.add([item(`job-${i}`, clock.now())])
    await clock.advance(300)
  }
  await clock.advance(2 * WAIT)
  assert.deepEqual(kinds, [
    { leading: true, alreadySent: 0 },
    { leading: false, alreadySent: 1 },
    { leading: false, alreadySent: 0 },
    { leading: false, alreadySent: 0 },
  ])
})

test('group: what a first message could not name is named first in the digest', async () => {
  const clock = new FakeClock()
  const flushed: string[][] = []
  const g = new Grouper(clock, (_, items, kind) => {
    // A first message with room for one job: the rest goes back to the group.
    if (kind.leading && items.length > 1) g.defer(items.slice(1))
    flushed.push((kind.leading ? items.slice(0, 1) : items).map((i) => i.transition.alert.jobName ?? ''))
  })
  g.add([item('job-1', clock.now()), item('job-2', clock.now()), item('job-3', clock.now())])
  await clock.advance(500)
  g.add([item('job-4', clock.now())])
  await clock.advance(2 * WAIT)
  assert.deepEqual(flushed, [['job-1'], ['job-2', 'job-3', 'job-4']])
})

test('group: the window counts from detection, not from when the transition reached the group', async () => {
  const { clock, g, since } = harness()
  await clock.advance(400)
  // Detected at t0 (it took 400 ms to reach the outbox): sent at once, the window ends at t0 + groupWait.
  g.add([item('job-1', clock.now() - 400)])
  g.add([item('job-2', clock.now() - 100)])
  await clock.advance(599)
  assert.equal(since().length, 1)
  await clock.advance(1)
  assert.deepEqual(since(), [
    { at: 400, channel: 'lark', names: ['job-1'] },
    { at: WAIT, channel: 'lark', names: ['job-2'] },
  ])
})

test('group: each channel and route has its own leading edge', async () => {
  const { clock, g, since } = harness()
  g.add([item('job-1', clock.now()), item('job-1', clock.now(), { id: 'x~sms', channel: 'sms' }), item('job-2', clock.now(), { groupKey: 'route-1' })])
  assert.deepEqual(since().map((f) => [f.channel, f.names]), [['lark', ['job-1']], ['sms', ['job-1']], ['lark', ['job-2']]])
  await clock.advance(2 * WAIT)
  assert.equal(since().length, 3)
})

test('group: holdFirst holds the first transition for groupWait and sends everything within it as one digest', async () => {
  const { clock, g, since } = harness()
  g.add([item('job-1', clock.now(), { holdFirst: true })])
  await clock.advance(500)
  g.add([item('job-2', clock.now(), { holdFirst: true })])
  assert.deepEqual(since(), [], 'nothing sent yet')
  await clock.advance(500)
  assert.deepEqual(since(), [{ at: WAIT, channel: 'lark', names: ['job-1', 'job-2'] }])
  // The group closed with its digest: the next transition opens a new held group.
  g.add([item('job-3', clock.now(), { holdFirst: true })])
  await clock.advance(WAIT)
  assert.deepEqual(since().map((f) => f.at), [WAIT, 2 * WAIT])
})

test('group: items stored before holdFirst existed are grouped with the leading edge', () => {
  const { clock, g, flushed } = harness()
  const old = item('job-1', clock.now())
  delete old.holdFirst
  g.add([old])
  assert.equal(flushed.length, 1)
})

test('group: clear() forgets waiting items and their timers (they stay in the outbox)', async () => {
  const { clock, g, flushed } = harness()
  g.add([item('job-1', clock.now())])
  g.add([item('job-2', clock.now())])
  g.clear()
  assert.equal(clock.pendingTimers, 0)
  assert.deepEqual(g.waiting(), new Map())
  await clock.advance(2 * WAIT)
  assert.equal(flushed.length, 1)
})

test('route: holdFirst and groupWait per route, else the defaults', () => {
  const channel = (id: string) => ({ id, sendResolved: true }) as Channel
  const channels = new Map([['lark', channel('lark')], ['sms', channel('sms')]])
  const router = new Router(
    [
      { channels: ['sms'], severities: ['critical'], holdFirst: true, groupWait: 30_000, continue: true },
      { channels: ['lark'], continue: false },
    ],
    channels,
    { groupWaitMs: WAIT, holdFirst: false },
  )
  assert.deepEqual(router.targets(transition('job-1')), [
    { channel: 'sms', groupKey: 'route-0', groupWaitMs: 30_000, holdFirst: true },
    { channel: 'lark', groupKey: 'route-1', groupWaitMs: WAIT, holdFirst: false },
  ])
  assert.deepEqual(new Router([], channels, { groupWaitMs: WAIT, holdFirst: true }).targets(transition('job-1')).map((t) => t.holdFirst), [true, true])
})
