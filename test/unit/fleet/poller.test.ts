import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Collector } from '../../../collectors/collector.js'
import { reasonOf } from '../../../platforms/flink/flink-rest-client.js'
import { Poller } from '../../../src/fleet/poller.js'
import type { ClusterSnapshot } from '../../../src/model/cluster.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { snapshot } from './snapshots.js'

/** A collector whose polls finish only when the test says so (or when aborted, if it honours the signal). */
function manualCollector(honourAbort = true) {
  const pending: { resolve: (s: ClusterSnapshot) => void; signal: AbortSignal }[] = []
  const collector: Collector = {
    clusterId: 'c1',
    type: 'flink',
    collect(signal) {
      return new Promise((resolve, reject) => {
        pending.push({ resolve, signal })
        if (honourAbort) signal.addEventListener('abort', () => reject(signal.reason), { once: true })
      })
    },
  }
  return { collector, pending }
}

function setup(honourAbort = true) {
  const clock = new FakeClock()
  const { collector, pending } = manualCollector(honourAbort)
  const results: ClusterSnapshot[] = []
  const errors: unknown[] = []
  let skips = 0
  const poller = new Poller({
    collector,
    intervalMs: 10_000,
    timeoutMs: 10_000,
    clock,
    jitter: 0,
    random: () => 0,
    onResult: (s) => results.push(s),
    onError: (e) => errors.push(e),
    onSkip: () => skips++,
  })
  return { clock, poller, pending, results, errors, skips: () => skips }
}

describe('poller', () => {
  it('polls on the interval and reports results', async () => {
    const t = setup()
    t.poller.start()
    await t.clock.advance(0)
    assert.equal(t.pending.length, 1)
    t.pending[0]!.resolve(snapshot('c1', []))
    await t.clock.advance(10_000)
    assert.equal(t.results.length, 1)
    assert.equal(t.pending.length, 2)
    await t.poller.stop()
  })

  it('starts at a random point of the interval, or of a shorter first window (a cluster taken over)', async () => {
    const clock = new FakeClock()
    const { collector, pending } = manualCollector()
    const make = () => new Poller({ collector, intervalMs: 10_000, timeoutMs: 10_000, clock, jitter: 0, random: () => 0.9, onResult: () => undefined, onError: () => undefined })
    const late = make()
    late.start()
    await clock.advance(1_000)
    assert.equal(pending.length, 0, 'a plain start waits for its random point (9 s)')
    await late.stop()
    const soon = make()
    soon.start(1_000)
    await clock.advance(900)
    assert.equal(pending.length, 1, 'within the first window (0.9 s)')
    await soon.stop()
  })

  it('never runs two polls of one cluster at once: a tick during a poll is skipped', async () => {
    const t = setup()
    void t.poller.tick()
    void t.poller.tick()
    void t.poller.tick()
    assert.equal(t.pending.length, 1)
    assert.equal(t.skips(), 2)
    t.pending[0]!.resolve(snapshot('c1', []))
    await t.clock.advance(0)
    void t.poller.tick()
    assert.equal(t.pending.length, 2)
  })

  it('aborts a poll at its deadline (below the interval) and reports a timeout', async () => {
    const t = setup()
    void t.poller.tick()
    await t.clock.advance(8999)
    assert.equal(t.errors.length, 0)
    await t.clock.advance(1)
    assert.equal(t.pending[0]!.signal.aborted, true)
    assert.equal(t.errors.length, 1)
    assert.equal(reasonOf(t.errors[0]), 'timeout')
    void t.poller.tick()
    assert.equal(t.pending.length, 2, 'the next tick polls again')
  })

  it('at an interval shorter than one request may take, a slow poll skips ticks instead of failing', async () => {
    const clock = new FakeClock()
    const pending: { signal: AbortSignal }[] = []
    const errors: unknown[] = []
    let skips = 0
    const collector: Collector = {
      type: 'flink',
      clusterId: 'c1',
      collect: (signal) => {
        pending.push({ signal })
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)))
      },
    }
    const poller = new Poller({
      collector, intervalMs: 3000, timeoutMs: 3000, minTimeoutMs: 6000, clock, jitter: 0, random: () => 0,
      onResult: () => {}, onError: (e) => errors.push(e), onSkip: () => skips++,
    })
    void poller.tick()
    await clock.advance(2700)
    assert.equal(errors.length, 0, 'not at 0.9 × the interval')
    void poller.tick()
    assert.equal(skips, 1, 'the tick meanwhile is skipped')
    assert.equal(errors.length, 0, 'and is no failed probe')
    await clock.advance(3300)
    assert.equal(pending[0]!.signal.aborted, true, 'the deadline is the floor')
    assert.equal(errors.length, 1)
    assert.equal(reasonOf(errors[0]), 'timeout')
  })

  it('counts ticks as failed probes while a collector that ignores its signal hangs', async () => {
    const t = setup(false)
    void t.poller.tick()
    await t.clock.advance(9000)
    assert.equal(t.errors.length, 1)
    void t.poller.tick()
    void t.poller.tick()
    assert.equal(t.pending.length, 1, 'still no second concurrent poll')
    assert.equal(t.errors.length, 3)
    t.pending[0]!.resolve(snapshot('c1', []))
    await t.clock.advance(0)
    assert.equal(t.results.length, 0, 'a result after the deadline is dropped')
    void t.poller.tick()
    assert.equal(t.pending.length, 2)
  })

  it('stop() aborts the poll in flight and schedules nothing more', async () => {
    const t = setup()
    t.poller.start()
    await t.clock.advance(0)
    await t.poller.stop()
    assert.equal(t.pending[0]!.signal.aborted, true)
    assert.equal(t.clock.pendingTimers, 0)
    assert.equal(t.errors.length, 0, 'a stop is not a failed probe')
  })

  it('spreads the first tick of each cluster over one interval', async () => {
    const clock = new FakeClock()
    const { collector, pending } = manualCollector()
    const p = new Poller({ collector, intervalMs: 10_000, timeoutMs: 5000, clock, random: () => 0.5, onResult: () => {}, onError: () => {} })
    p.start()
    await clock.advance(4999)
    assert.equal(pending.length, 0)
    await clock.advance(1)
    assert.equal(pending.length, 1)
    await p.stop()
  })

  it('keeps a fixed rate: timers that fire late do not push every later tick further back', async () => {
    const base = new FakeClock()
    // A busy event loop: every timer fires 700 ms after it was due.
    const clock = { now: () => base.now(), setTimeout: (fn: () => void, ms: number) => base.setTimeout(fn, ms + 700), clearTimeout: base.clearTimeout.bind(base) }
    const ticks: number[] = []
    const collector: Collector = { clusterId: 'c1', type: 'flink', collect: async () => (ticks.push(base.now()), snapshot('c1', [])) }
    const poller = new Poller({ collector, intervalMs: 10_000, timeoutMs: 10_000, clock, jitter: 0, random: () => 0, onResult: () => {}, onError: () => {} })
    const t0 = base.now()
    poller.start()
    for (let i = 0; i < 40; i++) await base.advance(1000)
    await poller.stop()
    // Planned at t0 + k × 10 s, each fires 700 ms late; drifting would give 700, 11_400, 22_100, 32_800.
    assert.deepEqual(ticks.map((t) => t - t0), [700, 10_700, 20_700, 30_700])
  })

  describe('state watch between polls', () => {
    /** Polls answer at once; `answers` script what each watch says (an Error rejects). */
    function watched(answers: (boolean | Error)[], intervalMs = 10_000) {
      const clock = new FakeClock()
      const t0 = clock.now()
      const polls: number[] = []
      const watches: number[] = []
      const outcomes: string[] = []
      const errors: unknown[] = []
      const signals: AbortSignal[] = []
      const collector: Collector = {
        clusterId: 'c1',
        type: 'flink',
        collect: async () => (polls.push(clock.now() - t0), snapshot('c1', [])),
        changed: async (signal) => {
          watches.push(clock.now() - t0)
          signals.push(signal)
          const a = answers.shift() ?? false
          if (a instanceof Error) throw a
          return { changed: a, requests: 1 }
        },
      }
      const poller = new Poller({
        collector,
        intervalMs,
        timeoutMs: intervalMs,
        clock,
        jitter: 0,
        random: () => 0,
        watchIntervalMs: 2000,
        onResult: () => {},
        onError: (e) => errors.push(e),
        onWatch: (o) => outcomes.push(o),
      })
      return { clock, poller, polls, watches, outcomes, errors, signals }
    }

    it('a change seen between polls polls at once, and the fixed rate restarts from that poll', async () => {
      const t = watched([false, false, true])
      t.poller.start()
      for (let i = 0; i < 27; i++) await t.clock.advance(1000)
      await t.poller.stop()
      // Regular polls would be at 0, 10 s, 20 s; the change seen at 6 s moves them to 6 s, 16 s, 26 s.
      assert.deepEqual(t.polls, [0, 6000, 16_000, 26_000])
      // No watch within half a watch interval of a poll that ran or is due (8 s…14 s watch; 16 s is the poll).
      assert.deepEqual(t.watches, [2000, 4000, 6000, 8000, 10_000, 12_000, 14_000, 18_000, 20_000, 22_000, 24_000])
      assert.deepEqual(t.outcomes.slice(0, 4), ['unchanged', 'unchanged', 'changed', 'unchanged'])
      assert.equal(t.errors.length, 0)
    })

    it('a failed watch is not a failed probe and starts no poll', async () => {
      const t = watched([new Error('connection refused'), new Error('connection refused')])
      t.poller.start()
      for (let i = 0; i < 10; i++) await t.clock.advance(1000)
      await t.poller.stop()
      assert.deepEqual(t.polls, [0, 10_000])
      assert.deepEqual(t.outcomes.slice(0, 2), ['failed', 'failed'])
      assert.equal(t.errors.length, 0, 'only polls decide whether a cluster is down')
    })

    it('does not watch before the first poll or while a poll runs, and stop() ends the watch', async () => {
      const clock = new FakeClock()
      const { collector, pending } = manualCollector()
      let asked = 0
      collector.changed = async () => (asked++, { changed: true, requests: 1 })
      const poller = new Poller({ collector, intervalMs: 10_000, timeoutMs: 10_000, clock, jitter: 0, random: () => 0.5, watchIntervalMs: 2000, onResult: () => {}, onError: () => {} })
      poller.start()
      await clock.advance(4000)
      assert.equal(asked, 0, 'nothing to compare with before the first poll')
      await clock.advance(1000)
      assert.equal(pending.length, 1)
      await clock.advance(4000)
      assert.equal(asked, 0, 'a poll in flight is the look already')
      pending[0]!.resolve(snapshot('c1', []))
      await clock.advance(2000)
      assert.equal(asked, 1)
      assert.equal(pending.length, 2, 'its yes polled at once')
      pending[1]!.resolve(snapshot('c1', []))
      await poller.stop()
      const timers = clock.pendingTimers
      await clock.advance(30_000)
      assert.equal(asked, 1, 'stopped: no more watches')
      assert.equal(clock.pendingTimers <= timers, true)
    })

    it('a watch still running when the poller is stopped and started again does not start a second chain', async () => {
      const clock = new FakeClock()
      const t0 = clock.now()
      const asked: number[] = []
      let hang: ((v: { changed: boolean; requests: number }) => void) | null = null
      const collector: Collector = {
        clusterId: 'c1',
        type: 'flink',
        collect: async () => snapshot('c1', []),
        // Ignores its signal, as a slow peer might.
        changed: () => (asked.push(clock.now() - t0), asked.length === 1 ? new Promise((r) => (hang = r)) : Promise.resolve({ changed: false, requests: 1 })),
      }
      const poller = new Poller({ collector, intervalMs: 60_000, timeoutMs: 10_000, clock, jitter: 0, random: () => 0, watchIntervalMs: 2000, onResult: () => {}, onError: () => {} })
      poller.start()
      await clock.advance(2000)
      assert.deepEqual(asked, [2000])
      await poller.stop()
      poller.start()
      hang!({ changed: false, requests: 1 })
      for (let i = 0; i < 10; i++) await clock.advance(1000)
      // One chain: the restarted poller's (its first poll at 2 s, watches from 4 s every 2 s).
      assert.deepEqual(asked, [2000, 4000, 6000, 8000, 10_000, 12_000])
      await poller.stop()
    })

    it('is off for a collector without changed(), whatever the interval', async () => {
      const t = setup()
      t.poller.start()
      await t.clock.advance(0)
      t.pending[0]!.resolve(snapshot('c1', []))
      await t.clock.advance(9000)
      assert.equal(t.pending.length, 1)
      await t.poller.stop()
    })
  })
})
