import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { createLogger } from '../../src/core/logger.js'
import type { Store } from '../../src/storage/store.js'
import { StoreCoordinator, haCollections } from '../../src/ha/store-coordinator.js'
import { HaOwnership } from '../../src/ha/ha-ownership.js'
import { fencedCompareAndSet, type Fence } from '../../src/ha/fence.js'
import { rendezvousOwner } from '../../src/ha/rendezvous.js'
import type { OwnershipChange } from '../../src/ha/lease-share.js'
import { FakeClock } from '../helpers/fake-clock.js'

const HEARTBEAT = 3000
const TTL = 15_000

/** One instance under test: its ownership, and what it was told to start and stop. */
export interface Node {
  id: string
  ha: HaOwnership
  clusters: Map<string, Fence>
  changes: { id: string; change: OwnershipChange | 'start' }[]
  clock: FakeClock
}

/**
 * HA behaviour on a store: balancing, join, leave, death after the TTL, and a paused owner fenced off. Runs on
 * the embedded store (unit) and on Elasticsearch (integration). Instances run their rounds by hand on one fake
 * clock, so "killing" or "pausing" an instance is simply not running its rounds.
 */
export function haContract(name: string, make: () => Promise<Store>, settle: (store: Store) => Promise<void> = async () => {}): void {
  describe(`HA contract: ${name}`, () => {
    let store: Store
    let clock: FakeClock
    const CLUSTERS = Array.from({ length: 30 }, (_, i) => `c${String(i).padStart(2, '0')}`)
    before(async () => {
      store = await make()
      await store.init([...haCollections, { name: 'incidents_t', keywords: ['state'] }])
    })
    after(async () => {
      await store.close()
    })
    let run = 0
    beforeEach(() => {
      clock = new FakeClock(Date.UTC(2026, 0, 1) + ++run * 86_400_000)
    })

    const node = (id: string, ids = CLUSTERS): Node => {
      const n: Node = {
        id: `${id}-${run}`,
        clock,
        clusters: new Map(),
        changes: [],
        ha: new HaOwnership({
          coordinator: new StoreCoordinator({ store, clock, instanceId: `${id}-${run}`, ttlMs: TTL }),
          self: { id: `${id}-${run}`, address: `http://${id}`, version: 'test', startedAt: clock.now() },
          clock,
          logger: createLogger({ level: 'silent' }),
          registry: new Registry(),
          heartbeatMs: HEARTBEAT,
        }),
      }
      n.ha.share('cluster', ids, {
        onAcquire: (cid, fence) => {
          n.clusters.set(cid, fence)
          n.changes.push({ id: cid, change: 'start' })
        },
        onRelease: (cid, reason) => {
          n.clusters.delete(cid)
          n.changes.push({ id: cid, change: reason })
        },
      })
      return n
    }
    /** One heartbeat period: every running node does a round, then time moves on. */
    const period = async (nodes: Node[]): Promise<void> => {
      for (const n of nodes) {
        await n.ha.round()
        await settle(store)
      }
      await clock.advance(HEARTBEAT)
    }
    /** No cluster is worked on by two instances whose fences are both still valid. */
    const assertSingleOwner = (nodes: Node[]): void => {
      for (const c of CLUSTERS) {
        const holders = nodes.filter((n) => n.clusters.get(c)?.held())
        assert.ok(holders.length <= 1, `${c} worked on by ${holders.map((h) => h.id).join(', ')}`)
      }
    }
    const owners = (nodes: Node[]): Map<string, string> => {
      const m = new Map<string, string>()
      for (const n of nodes) for (const c of n.clusters.keys()) m.set(c, n.id)
      return m
    }

    it('spreads the clusters over the live instances, each to its rendezvous choice, each held once', async () => {
      const nodes = [node('a'), node('b'), node('c')]
      for (let i = 0; i < 4; i++) {
        await period(nodes)
        assertSingleOwner(nodes)
      }
      const o = owners(nodes)
      assert.equal(o.size, CLUSTERS.length, 'every cluster owned')
      const ids = nodes.map((n) => n.id)
      for (const c of CLUSTERS) assert.equal(o.get(c), rendezvousOwner(c, ids))
      for (const n of nodes) assert.ok(n.clusters.size >= 5, `${n.id} holds ${n.clusters.size}`)
      const listed = await nodes[0]!.ha.instances()
      assert.deepEqual(listed.map((i) => [i.id, i.alive, i.clusters.length]), nodes.map((n) => [n.id, true, n.clusters.size]))
      for (const n of nodes) assert.equal(n.ha.readiness().ready, true, n.ha.readiness().detail)
    })

    it('moves load to a joining instance without two owners, and the mover releases before the joiner starts', async () => {
      const a = node('a')
      await period([a])
      assert.equal(a.clusters.size, CLUSTERS.length)
      const b = node('b')
      const nodes = [a, b]
      for (let i = 0; i < 4; i++) {
        await period(nodes)
        assertSingleOwner(nodes)
      }
      const moved = CLUSTERS.filter((c) => rendezvousOwner(c, [a.id, b.id]) === b.id)
      assert.ok(moved.length > 5)
      assert.deepEqual([...b.clusters.keys()].sort(), moved)
      for (const c of moved) {
        assert.ok(a.changes.some((x) => x.id === c && x.change === 'rebalance'))
        assert.ok(b.changes.some((x) => x.id === c && x.change === 'start'))
      }
      // Not more than one round without an owner: b took each within the period a released it.
      const gaps = moved.filter((c) => !b.clusters.has(c))
      assert.deepEqual(gaps, [])
    })

    it('a cleanly stopped instance hands its clusters over at once', async () => {
      const a = node('a')
      const b = node('b')
      await period([a, b])
      await period([a, b])
      const aHad = [...a.clusters.keys()]
      await a.ha.stop()
      assert.equal(a.clusters.size, 0)
      await settle(store)
      await b.ha.round()
      await settle(store)
      await b.ha.round()
      assert.equal(b.clusters.size, CLUSTERS.length)
      assert.ok(aHad.every((c) => b.changes.some((x) => x.id === c && x.change === 'start')))
    })

    it('takes over a dead instance\'s clusters only after its lease expired, under a new epoch', async () => {
      const a = node('a')
      const b = node('b')
      await period([a, b])
      await period([a, b])
      const aHad = [...a.clusters.keys()]
      const aEpochs = new Map(aHad.map((c) => [c, a.clusters.get(c)!.epoch]))
      // a dies (SIGKILL): no rounds, no release.
      const killedAt = clock.now()
      let takenAt: number | undefined
      for (let i = 0; i < 10 && takenAt === undefined; i++) {
        await period([b])
        if (aHad.every((c) => b.clusters.has(c))) takenAt = clock.now()
        else assert.ok(clock.now() - killedAt < TTL + HEARTBEAT * 2, 'not taken over in time')
        if (clock.now() - killedAt < TTL - HEARTBEAT) assert.ok(aHad.every((c) => !b.clusters.has(c)), 'taken before the lease expired')
      }
      assert.ok(takenAt !== undefined && takenAt - killedAt <= TTL + 2 * HEARTBEAT, `taken ${String(takenAt! - killedAt)} ms after the kill`)
      for (const c of aHad) assert.equal(b.clusters.get(c)!.epoch, aEpochs.get(c)! + 1)
      assert.ok(aHad.every((c) => b.changes.some((x) => x.id === c && x.change === 'start')))
      const listed = await b.ha.instances()
      assert.equal(listed.find((i) => i.id === a.id)?.alive, false)
      assert.deepEqual(listed.find((i) => i.id === a.id)?.clusters, [])
    })

    it('fences a paused owner: its writes are refused after another took over, by its clock and by the store', async () => {
      const a = node('a', ['pc'])
      const b = node('b', ['pc'])
      await period([a, b])
      const [first, second] = a.clusters.has('pc') ? [a, b] : [b, a]
      const oldFence = first.clusters.get('pc')!
      // The owner writes the incident under its lease.
      const t0 = { id: 'inc-1', timestamp: clock.now(), body: { state: 'firing' } }
      const w1 = await fencedCompareAndSet(store, 'incidents_t', t0, null, oldFence)
      assert.equal(w1.ok, true)
      const seenByOld = await store.get('incidents_t', 'inc-1')
      // SIGSTOP: the owner runs no rounds past its TTL; the other takes over (it is alone alive now).
      for (let i = 0; i < 8 && !second.clusters.has('pc'); i++) await period([second])
      const newFence = second.clusters.get('pc')
      assert.ok(newFence, 'taken over')
      assert.equal(newFence.epoch, oldFence.epoch + 1)
      const cur = await store.get('incidents_t', 'inc-1')
      const w2 = await fencedCompareAndSet(store, 'incidents_t', { ...t0, body: { state: 'resolved' } }, cur ?? null, newFence)
      assert.equal(w2.ok, true)
      // SIGCONT: before its first round the old owner tries to write. Its own clock says the lease lapsed.
      assert.equal(oldFence.held(), false)
      const stale = await fencedCompareAndSet(store, 'incidents_t', { ...t0, body: { state: 'firing' } }, seenByOld ?? null, oldFence)
      assert.equal(stale.ok, false)
      assert.match('fenced' in stale ? stale.fenced : '', /no longer held/)
      // Even a holder whose clock is wrong (held() true) is refused: by the epoch stamp, then by the version.
      const lying: Fence = { key: oldFence.key, epoch: oldFence.epoch, held: () => true }
      const byEpoch = await fencedCompareAndSet(store, 'incidents_t', { ...t0, body: { state: 'firing' } }, (await store.get('incidents_t', 'inc-1')) ?? null, lying)
      assert.equal(byEpoch.ok, false)
      assert.match('fenced' in byEpoch ? byEpoch.fenced : '', /newer than ours/)
      const byVersion = await fencedCompareAndSet(store, 'incidents_t', { ...t0, body: { state: 'firing' } }, seenByOld ?? null, lying)
      assert.equal(byVersion.ok, false)
      assert.equal((await store.get('incidents_t', 'inc-1'))?.body['state'], 'resolved')
      // Its first round drops the lease without a write, and it never works on pc next to the new owner.
      await first.ha.round()
      assert.ok(first.changes.some((x) => x.id === 'pc' && x.change === 'expired'))
      for (let i = 0; i < 4; i++) {
        await period([first, second])
        assertSingleOwner([first, second])
      }
    })
  })
}
