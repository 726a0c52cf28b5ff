import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Collector } from '../../../collectors/collector.js'
import { PollSlots } from '../../../src/fleet/poll-slots.js'
import { Poller } from '../../../src/fleet/poller.js'
import type { ClusterSnapshot } from '../../../src/model/cluster.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { snapshot } from './snapshots.js'

describe('poll slots', () => {
  it('runs at most max at once and serves waiters in order; a release is counted once', async () => {
    const slots = new PollSlots(2)
    const order: string[] = []
    const a = await slots.take()
    const b = await slots.take()
    const c = slots.take().then((r) => (order.push('c'), r))
    const d = slots.take().then((r) => (order.push('d'), r))
    await Promise.resolve()
    assert.equal(slots.inUse, 2)
    assert.equal(slots.queued, 2)
    a()
    a()
    const rc = await c
    assert.deepEqual(order, ['c'], 'a second release of the same slot frees nothing more')
    b()
    const rd = await d
    assert.deepEqual(order, ['c', 'd'])
    rc()
    rd()
    assert.equal(slots.inUse, 0)
  })

  it("a storm's early polls run in turn: with one slot, the second cluster polls when the first poll is over", async () => {
    const clock = new FakeClock()
    const slots = new PollSlots(1)
    const started: string[] = []
    const finish = new Map<string, () => void>()
    let storm = false
    const make = (id: string): Poller => {
      let polls = 0
      const collector: Collector = {
        clusterId: id,
        type: 'flink',
        collect: () =>
          new Promise<ClusterSnapshot>((resolve) => {
            polls++
            if (polls > 1) started.push(id)
            const done = () => resolve(snapshot(id, []))
            if (polls === 1) done()
            else finish.set(id, done)
          }),
        changed: async () => ({ changed: storm, requests: 1 }),
      }
      return new Poller({ collector, intervalMs: 60_000, timeoutMs: 10_000, clock, jitter: 0, random: () => 0, watchIntervalMs: 2000, earlySlots: slots, onResult: () => {}, onError: () => {} })
    }
    const p1 = make('c1')
    const p2 = make('c2')
    p1.start()
    p2.start()
    await clock.advance(1000)
    storm = true
    await clock.advance(1000)
    assert.deepEqual(started, ['c1'], 'c2 waits for the slot')
    finish.get('c1')!()
    await clock.advance(0)
    assert.deepEqual(started, ['c1', 'c2'])
    finish.get('c2')!()
    await p1.stop()
    await p2.stop()
  })
})
