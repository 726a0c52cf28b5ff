/**
 * Acknowledging through an instance that does not own the incident's cluster (HA): two engines on one
 * store and one fake clock, one owning c1, one owning nothing. The acknowledgement is recorded in the
 * store and the owner applies it before its next evaluation tick.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ConflictError, NotFoundError } from '../../../src/core/errors.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { job } from './helpers.js'
import { H, MIN, oncallHarness, oncallStore, routes } from './oncall-helpers.js'

const ROUTES = routes([{ channels: ['lead'], repeatInterval: '1h', escalate: [{ after: '15m', channels: ['l1'] }, { after: '45m', channels: ['l2'] }] }])
const TICK = 5000

async function pair() {
  const store = await oncallStore()
  const clock = new FakeClock()
  const ownerOwns = new Set(['c1'])
  const otherOwns = new Set<string>()
  const owner = await oncallHarness({ store, clock, routes: ROUTES, owns: ownerOwns })
  const other = await oncallHarness({ store, clock, routes: ROUTES, owns: otherOwns })
  const stop = async () => {
    await owner.stop()
    await other.stop()
    await store.close()
  }
  return { store, clock, owner, other, ownerOwns, otherOwns, stop }
}

test('ack through the non-owner: the owner sends no escalation level at its next tick, no reminder after; un-ack resumes both', async () => {
  const { clock, owner, other, stop } = await pair()
  try {
    owner.fleet(job('c1', 'orders', 'FAILED'))
    const id = owner.sent[0]!.alert.id
    // The non-owner never tracks c1: its memory knows nothing of the incident.
    other.fleet(job('c1', 'orders', 'FAILED'))
    assert.equal(other.sent.length, 0)
    // Just before the tick at which level 1 is due.
    await clock.advance(15 * MIN - TICK + 1)
    assert.deepEqual(owner.kinds(), ['firing'])
    const acked = await other.acks.acknowledge(id, 'bob', 'mine')
    assert.deepEqual([acked.id, acked.state, acked.acknowledgedBy, acked.ackComment, acked.acknowledgedAt], [id, 'firing', 'bob', 'mine', clock.now()], 'the answer shows the acknowledgement')
    assert.equal(owner.engine.firing()[0]!.acknowledgedBy, undefined, 'recorded in the store, not applied by the non-owner')
    await clock.advance(TICK)
    assert.deepEqual(owner.kinds(), ['firing'], 'the level due at this tick is not paged')
    assert.equal(owner.engine.firing()[0]!.acknowledgedBy, 'bob')
    assert.equal((await owner.book.get(id))?.acknowledgedBy, 'bob', 'the owner stores it on the incident')
    await clock.advance(2 * H)
    assert.deepEqual(owner.kinds(), ['firing'], 'no reminder, no level')
    assert.equal(other.sent.length, 0)
    // Acknowledging again (here, through the owner) keeps the first acknowledgement and writes no audit line.
    assert.equal((await owner.acks.acknowledge(id, 'carol', null)).acknowledgedBy, 'bob')
    assert.deepEqual([...owner.audit, ...other.audit].map((e) => `${e.action}:${e.who}`), ['acknowledge:bob'])
    assert.equal(other.audit[0]!.details['incident'], id)
    // Taken back through the non-owner: the owner's next tick reminds and pages both overdue levels.
    const back = await other.acks.unacknowledge(id, 'bob')
    assert.equal(back.acknowledgedBy, null)
    await clock.advance(TICK)
    assert.deepEqual(owner.kinds(), ['firing', 'reminder:r0:1', 'escalation:0.0', 'escalation:0.1'])
    assert.deepEqual([...owner.audit, ...other.audit].map((e) => `${e.action}:${e.who}`), ['acknowledge:bob', 'unacknowledge:bob'])
    // Taking back what is not acknowledged changes nothing and audits nothing.
    assert.equal((await other.acks.unacknowledge(id, 'bob')).acknowledgedBy, null)
    assert.equal(other.audit.length, 2)
    // Unknown → 404, resolved → 409, through either instance.
    await assert.rejects(other.acks.acknowledge('nope', 'bob', null), (e: unknown) => e instanceof NotFoundError)
    owner.fleet(job('c1', 'orders', 'RUNNING', { startTime: 99 }))
    assert.equal(owner.sent.at(-1)!.kind, 'resolved')
    await assert.rejects(other.acks.acknowledge(id, 'bob', null), (e: unknown) => e instanceof ConflictError && /is resolved/.test(e.message))
    await assert.rejects(other.acks.unacknowledge(id, 'bob'), (e: unknown) => e instanceof ConflictError)
  } finally {
    await stop()
  }
})

test('two instances acknowledging at once: one acknowledgement, one audit line; the owner applies the winner', async () => {
  const { clock, owner, other, stop } = await pair()
  try {
    owner.fleet(job('c1', 'orders', 'FAILED'))
    const id = owner.sent[0]!.alert.id
    const [a, b] = await Promise.all([owner.acks.acknowledge(id, 'alice', null), other.acks.acknowledge(id, 'bob', null)])
    assert.equal(a.acknowledgedBy, b.acknowledgedBy, 'both answer with the same acknowledgement')
    const audit = [...owner.audit, ...other.audit]
    assert.deepEqual(audit.map((e) => `${e.action}:${e.who}`), [`acknowledge:${a.acknowledgedBy}`])
    await clock.advance(TICK)
    assert.equal(owner.engine.firing()[0]!.acknowledgedBy, a.acknowledgedBy)
  } finally {
    await stop()
  }
})

test('takeover: an acknowledgement recorded before the owner applied it holds on the new owner (no reminder, no level)', async () => {
  const { clock, owner, other, ownerOwns, otherOwns, stop } = await pair()
  try {
    owner.fleet(job('c1', 'orders', 'FAILED'))
    const id = owner.sent[0]!.alert.id
    await owner.book.flush()
    await other.acks.acknowledge(id, 'bob', null)
    // The owner dies before its next tick: the acknowledgement exists only as a record.
    await owner.engine.stop()
    ownerOwns.delete('c1')
    assert.equal((await other.book.get(id))?.acknowledgedBy, undefined)
    // The other instance takes c1 over and adopts the incident book before its first poll.
    otherOwns.add('c1')
    await other.engine.adoptCluster('c1')
    other.fleet(job('c1', 'orders', 'FAILED'))
    await clock.advance(3 * H)
    assert.deepEqual(other.kinds(), [], 'no second firing, no reminder, no escalation level')
    assert.equal(other.engine.firing()[0]?.acknowledgedBy, 'bob')
    assert.equal((await other.book.get(id))?.acknowledgedBy, 'bob')
    // Taken back through the instance that lost the cluster (its stale copy is not touched): the new owner resumes.
    assert.equal((await owner.acks.unacknowledge(id, 'bob')).acknowledgedBy, null)
    assert.equal(owner.engine.firing()[0]?.acknowledgedBy, undefined, "the former owner's copy stays as it was")
    await clock.advance(TICK)
    assert.deepEqual(other.kinds(), ['reminder:r0:1', 'escalation:0.0', 'escalation:0.1'])
    assert.deepEqual(owner.kinds(), ['firing'], 'the former owner sends nothing')
  } finally {
    await stop()
  }
})
