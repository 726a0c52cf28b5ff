import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Router } from '../../../alerting/notify/route.js'
import type { Channel } from '../../../alerting/channels/channel.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { job } from './helpers.js'
import { H, MIN, oncallHarness, routes } from './oncall-helpers.js'

const ESCALATING = routes([{ channels: ['lead'], match: { cluster: 'c1' }, escalate: [{ after: '15m', channels: ['l1'] }, { after: '45m', channels: ['l2', 'l2b'] }] }])

test('repeat: each route reminds at its own repeatInterval, to its own channels only', async () => {
  const h = await oncallHarness({ routes: routes([{ channels: ['fast'], repeatInterval: '1h', continue: true }, { channels: ['slow'] }]), repeatIntervalMs: 4 * H })
  h.fleet(job('c1', 'a', 'FAILED'))
  await h.clock.advance(4 * H + 10_000)
  const reminders = h.sent.filter((t) => t.kind === 'reminder')
  assert.deepEqual(reminders.map((t) => t.route), [0, 0, 0, 0, 1])
  assert.deepEqual(h.kinds(), ['firing', 'reminder:r0:1', 'reminder:r0:2', 'reminder:r0:3', 'reminder:r0:4', 'reminder:r1:5'])
  // The router sends a per-route reminder to that route's channels, nothing else.
  const channels = new Map(['fast', 'slow'].map((id) => [id, { id, sendResolved: true } as Channel]))
  const router = new Router(routes([{ channels: ['fast'], repeatInterval: '1h', continue: true }, { channels: ['slow'] }]), channels, { groupWaitMs: 1000, holdFirst: false })
  assert.deepEqual(router.targets(reminders[0]!).map((t) => t.channel), ['fast'])
  assert.deepEqual(router.targets(reminders[4]!).map((t) => t.channel), ['slow'])
  assert.deepEqual(router.targets(h.sent[0]!).map((t) => t.channel), ['fast', 'slow'])
  await h.stop()
})

test('repeat: without routes the top-level repeatInterval applies, with the old reminder ids', async () => {
  const h = await oncallHarness({ repeatIntervalMs: 2 * H })
  h.fleet(job('c1', 'a', 'FAILED'))
  await h.clock.advance(4 * H + 10_000)
  assert.deepEqual(h.kinds(), ['firing', 'reminder:1', 'reminder:2'])
  await h.stop()
})

test('acknowledging stops reminders; taking it back resumes them; who and when are on the incident and in the audit trail', async () => {
  const h = await oncallHarness({ repeatIntervalMs: 1 * H })
  h.fleet(job('c1', 'a', 'FAILED'))
  const id = h.sent[0]!.alert.id
  await h.clock.advance(1 * H + 5000)
  assert.deepEqual(h.kinds(), ['firing', 'reminder:1'])
  const acked = await h.acks.acknowledge(id, 'alice', 'looking at it')
  assert.equal(acked.acknowledgedBy, 'alice')
  assert.equal(acked.acknowledgedAt, h.clock.now())
  assert.equal(acked.ackComment, 'looking at it')
  // A second acknowledgement keeps the first one (and writes no second audit line).
  assert.equal((await h.acks.acknowledge(id, 'bob', null)).acknowledgedBy, 'alice')
  await h.clock.advance(5 * H)
  assert.deepEqual(h.kinds(), ['firing', 'reminder:1'])
  assert.equal((await h.book.get(id))?.acknowledgedBy, 'alice')
  await h.acks.unacknowledge(id, 'alice')
  await h.clock.advance(10_000)
  assert.deepEqual(h.kinds(), ['firing', 'reminder:1', 'reminder:2'])
  assert.deepEqual(h.audit.map((e) => `${e.action}:${e.who}:${e.jobName}:${String(e.details['incident'])}`), [`acknowledge:alice:a:${id}`, `unacknowledge:alice:a:${id}`])
  // Resolving still notifies an acknowledged incident.
  await h.acks.acknowledge(id, 'alice', null)
  h.fleet(job('c1', 'a', 'RUNNING', { startTime: 99 }))
  assert.equal(h.sent.at(-1)!.kind, 'resolved')
  await assert.rejects(h.acks.acknowledge(id, 'alice', null), /is resolved/)
  await assert.rejects(h.acks.acknowledge('nope', 'alice', null), /no alert nope/)
  await h.stop()
})

test('escalation: each level once, after its `after`, naming who was paged before; resolving notifies every level paged', async () => {
  const h = await oncallHarness({ routes: ESCALATING })
  h.fleet(job('c1', 'a', 'FAILED'))
  await h.clock.advance(14 * MIN)
  assert.deepEqual(h.kinds(), ['firing'])
  await h.clock.advance(1 * MIN + 5000)
  assert.deepEqual(h.kinds(), ['firing', 'escalation:0.0'])
  const first = h.sent[1]!
  assert.deepEqual(first.escalation && { channels: first.escalation.channels, from: first.escalation.from, level: first.escalation.level }, { channels: ['l1'], from: ['lead'], level: 0 })
  await h.clock.advance(30 * MIN)
  assert.deepEqual(h.kinds(), ['firing', 'escalation:0.0', 'escalation:0.1'])
  assert.deepEqual(h.sent[2]!.escalation?.from, ['l1'])
  await h.clock.advance(3 * H)
  assert.deepEqual(h.kinds().filter((k) => k.startsWith('escalation')), ['escalation:0.0', 'escalation:0.1'], 'once per level')
  h.fleet(job('c1', 'a', 'RUNNING', { startTime: 99 }))
  const resolved = h.sent.at(-1)!
  assert.equal(resolved.kind, 'resolved')
  const channels = new Map(['lead', 'l1', 'l2', 'l2b', 'other'].map((id) => [id, { id, sendResolved: true } as Channel]))
  const router = new Router(ESCALATING, channels, { groupWaitMs: 1000, holdFirst: false })
  assert.deepEqual(router.targets(resolved).map((t) => t.channel), ['lead', 'l1', 'l2', 'l2b'])
  assert.deepEqual(router.targets(first).map((t) => t.channel), ['l1'], 'an escalation goes to its level only')
  assert.deepEqual(router.targets(h.sent[0]!).map((t) => t.channel), ['lead'])
  await h.stop()
})

test('escalation: acknowledging stops further levels (and reminders), the levels paged stay paged', async () => {
  const h = await oncallHarness({ routes: routes([{ channels: ['lead'], repeatInterval: '30m', escalate: [{ after: '15m', channels: ['l1'] }, { after: '45m', channels: ['l2'] }] }]) })
  h.fleet(job('c1', 'a', 'FAILED'))
  await h.clock.advance(20 * MIN)
  assert.deepEqual(h.kinds(), ['firing', 'escalation:0.0'])
  await h.acks.acknowledge(h.sent[0]!.alert.id, 'alice', null)
  await h.clock.advance(3 * H)
  assert.deepEqual(h.kinds(), ['firing', 'escalation:0.0'])
  const stored = await h.book.get(h.sent[0]!.alert.id)
  assert.deepEqual(stored?.escalations?.map((s) => s.level), [0])
  await h.stop()
})

test('escalation and acknowledgement survive a restart: no level twice, the next one on time, no reminder for an acked incident', async () => {
  const clock = new FakeClock()
  const first = await oncallHarness({ clock, routes: ESCALATING })
  first.fleet(job('c1', 'a', 'FAILED'))
  await clock.advance(20 * MIN)
  assert.deepEqual(first.kinds(), ['firing', 'escalation:0.0'])
  await first.stop()
  // Down for 10 minutes, then a new process on the same store.
  await clock.advance(10 * MIN)
  const second = await oncallHarness({ clock, store: first.store, routes: ESCALATING })
  await clock.advance(10 * MIN)
  assert.deepEqual(second.kinds(), [], 'level 0 was paged before the restart')
  await clock.advance(6 * MIN)
  assert.deepEqual(second.kinds(), ['escalation:0.1'])
  const id = second.sent[0]!.alert.id
  await second.acks.acknowledge(id, 'bob', null)
  await second.stop()
  const third = await oncallHarness({ clock, store: first.store, routes: ESCALATING, repeatIntervalMs: 1 * H })
  await clock.advance(6 * H)
  assert.deepEqual(third.kinds(), [], 'acknowledged before the restart: no reminders after it')
  assert.equal((await third.book.get(id))?.acknowledgedBy, 'bob')
  await third.stop()
})

test('escalation: levels overdue after a long outage are paged once each, in order', async () => {
  const clock = new FakeClock()
  const first = await oncallHarness({ clock, routes: ESCALATING })
  first.fleet(job('c1', 'a', 'FAILED'))
  await first.stop()
  await clock.advance(2 * H)
  const second = await oncallHarness({ clock, store: first.store, routes: ESCALATING })
  await clock.advance(5000)
  assert.deepEqual(second.kinds(), ['escalation:0.0', 'escalation:0.1'])
  await second.stop()
})
