/**
 * Runs one collector on a fixed rate (OTel PeriodicExportingMetricReader habits): never two polls of
 * one cluster at once (a tick that finds the previous poll in flight is skipped), every poll under a
 * timeout that aborts the collector's signal, a random start offset so a fleet of clusters does not
 * poll in lockstep, timers on the injected clock, and a run function that never rejects.
 *
 * Between polls, a collector that offers `changed()` is asked every `watchIntervalMs` whether a job
 * changed state (one small request); a yes polls at once, and the fixed rate restarts from that poll.
 * So a failure is seen within the watch interval, not the poll interval, while the detail a poll reads
 * (checkpoints, metrics) keeps its own cadence. A failed or late watch decides nothing: only polls are probes.
 */
import type { Clock, TimerHandle } from '../core/clock.js'
import { UpstreamError } from '../core/errors.js'
import type { Collector } from '../../collectors/collector.js'
import type { ClusterSnapshot } from '../model/cluster.js'
import type { PollSlots } from './poll-slots.js'

export interface PollerOptions {
  collector: Collector
  intervalMs: number
  /** Per-poll deadline; clamped to the interval. */
  timeoutMs: number
  /**
   * The deadline never goes below this (the cluster's request timeout and a margin): at short intervals a
   * poll may outlast the interval (the ticks in between are skipped, not failed), so a JobManager that
   * answers slowly, or an instance too busy to read the answer in time, is not reported down for it.
   */
  minTimeoutMs?: number
  clock: Clock
  /** ± share of the interval each tick may move (default 0.05); the first tick is at a random point of one interval. */
  jitter?: number
  random?: () => number
  onResult(snapshot: ClusterSnapshot, durationMs: number): void
  onError(err: unknown, durationMs: number): void
  /** A tick found the previous poll still running. */
  onSkip?(): void
  /** How often `collector.changed()` is asked between polls; 0 or absent: never. */
  watchIntervalMs?: number
  /** Shared by an instance's pollers: how many early polls run at once (none: no bound). */
  earlySlots?: PollSlots
  /** One between-poll look: `changed` polled at once; `failed` decided nothing. */
  onWatch?(outcome: 'unchanged' | 'changed' | 'failed', requests: number): void
}

export class Poller {
  private timer: TimerHandle | null = null
  private watchTimer: TimerHandle | null = null
  private watching: AbortController | null = null
  /** Bumped by start() and stop(): a watch that ends after a restart does not start a second chain of watches. */
  private generation = 0
  /** When the last poll ended (null before the first): the watch compares with what that poll saw. */
  private polledAt: number | null = null
  private inFlight: Promise<void> | null = null
  private current: AbortController | null = null
  private stopped = true
  /** Set by stop(): outcomes that arrive afterwards are not reported. */
  private stopping = false
  private overdue = false
  /** Clock time the next tick is planned for: ticks keep their phase instead of drifting by each timer's lateness. */
  private nextAt = 0
  private readonly random: () => number

  constructor(private readonly o: PollerOptions) {
    this.random = o.random ?? Math.random
  }

  get polling(): boolean {
    return this.inFlight !== null
  }

  /** Starts polling; the first poll comes at a random point of the interval, or of `firstWithinMs` when shorter. */
  start(firstWithinMs?: number): void {
    if (!this.stopped) return
    this.stopped = false
    this.stopping = false
    this.nextAt = this.o.clock.now() + Math.floor(this.random() * Math.min(this.o.intervalMs, firstWithinMs ?? Infinity))
    this.polledAt = null
    this.generation++
    this.schedule()
    this.scheduleWatch()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.stopping = true
    this.generation++
    if (this.timer) this.o.clock.clearTimeout(this.timer)
    this.timer = null
    if (this.watchTimer) this.o.clock.clearTimeout(this.watchTimer)
    this.watchTimer = null
    this.watching?.abort(new Error('flinkwatch is stopping'))
    this.current?.abort(new Error('flinkwatch is stopping'))
    // A collector that ignores its signal must not hold shutdown hostage.
    if (this.inFlight) {
      let giveUp: TimerHandle | null = null
      await Promise.race([this.inFlight, new Promise<void>((r) => (giveUp = this.o.clock.setTimeout(r, 5000)))])
      if (giveUp) this.o.clock.clearTimeout(giveUp)
    }
  }

  /** One tick: poll unless the previous poll is still running. Resolves when this tick's work is done. */
  tick(): Promise<void> {
    if (this.inFlight) {
      this.o.onSkip?.()
      // A collector that ignored its abort keeps the cluster unprobed: that is a failed probe, not a pause.
      if (this.overdue) this.o.onError(new UpstreamError(this.o.collector.type, '', `previous poll of cluster ${this.o.collector.clusterId} is still running past its deadline`, { code: 'ERR_UPSTREAM_TIMEOUT' }), 0)
      return Promise.resolve()
    }
    let done!: () => void
    this.inFlight = new Promise<void>((r) => (done = r))
    return this.runOnce(() => {
      this.inFlight = null
      this.overdue = false
      this.polledAt = this.o.clock.now()
      done()
    })
  }

  /** `ms` moved by up to ± `jitter` of itself, at least 1 ms. */
  private jittered(ms: number): number {
    return Math.max(1, Math.round(ms * (1 + (this.random() * 2 - 1) * (this.o.jitter ?? 0.05))))
  }

  private get watchMs(): number {
    return this.o.collector.changed ? (this.o.watchIntervalMs ?? 0) : 0
  }

  private scheduleWatch(): void {
    const ms = this.watchMs
    if (this.stopped || ms <= 0) return
    const gen = this.generation
    this.watchTimer = this.o.clock.setTimeout(() => {
      this.watchTimer = null
      void this.watch().finally(() => {
        if (gen === this.generation) this.scheduleWatch()
      })
    }, this.jittered(ms))
  }

  /** One look between polls. Skipped before the first poll, while one runs, and when a poll just ran or is about to. */
  private async watch(): Promise<void> {
    const ms = this.watchMs
    const now = this.o.clock.now()
    if (this.stopped || this.inFlight || this.polledAt === null || now - this.polledAt < ms / 2 || this.nextAt - now < ms / 2) return
    const ac = new AbortController()
    this.watching = ac
    const timer = this.o.clock.setTimeout(() => ac.abort(new Error(`state watch of cluster ${this.o.collector.clusterId} took longer than ${ms} ms`)), ms)
    let changed = false
    try {
      const r = await this.o.collector.changed!(ac.signal)
      if (this.stopping) return
      this.o.onWatch?.(r.changed ? 'changed' : 'unchanged', r.requests)
      changed = r.changed
    } catch {
      if (!this.stopping) this.o.onWatch?.('failed', 1)
    } finally {
      this.o.clock.clearTimeout(timer)
      if (this.watching === ac) this.watching = null
    }
    // The next watch waits for this poll (and its turn among the instance's early polls).
    if (changed) await this.pollNow()
  }

  /** An early poll, in turn; the fixed rate continues one interval after it, so the next regular poll does not follow right away. */
  private async pollNow(): Promise<void> {
    const release = this.o.earlySlots ? await this.o.earlySlots.take() : null
    try {
      if (this.inFlight || this.stopped) return
      if (this.timer) this.o.clock.clearTimeout(this.timer)
      this.nextAt = this.o.clock.now() + this.o.intervalMs
      this.schedule()
      await this.tick()
    } finally {
      release?.()
    }
  }

  /**
   * Fixed rate: the next tick is planned from the previous planned tick, not from when the timer
   * actually fired, so a busy event loop does not push every later poll back (and clusters started
   * together stay together). After a long stall (more than an interval behind) the plan restarts from now.
   */
  private schedule(): void {
    if (this.stopped) return
    const now = this.o.clock.now()
    this.timer = this.o.clock.setTimeout(() => {
      const firedAt = this.o.clock.now()
      const step = this.jittered(this.o.intervalMs)
      this.nextAt = this.nextAt + step > firedAt ? this.nextAt + step : firedAt + step
      this.schedule()
      void this.tick()
    }, Math.max(0, this.nextAt - now))
  }

  /** Reports the outcome at the deadline at the latest; `release` runs when the collector really returns. */
  private async runOnce(release: () => void): Promise<void> {
    const { clock, collector } = this.o
    const started = clock.now()
    const ac = new AbortController()
    this.current = ac
    // Below the interval (less the jitter) so a well-behaved poll is always over before the next tick,
    // unless that is shorter than one request may take.
    const timeoutMs = Math.max(Math.min(this.o.timeoutMs, Math.floor(this.o.intervalMs * 0.9)), this.o.minTimeoutMs ?? 0)
    let timer: TimerHandle | null = null
    const deadline = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => {
        const err = new UpstreamError(collector.type, '', `poll of cluster ${collector.clusterId} timed out after ${timeoutMs} ms`, { code: 'ERR_UPSTREAM_TIMEOUT' })
        this.overdue = true
        ac.abort(err)
        reject(err)
      }, timeoutMs)
    })
    let collecting: Promise<ClusterSnapshot>
    try {
      collecting = collector.collect(ac.signal)
    } catch (err) {
      collecting = Promise.reject(err)
    }
    collecting.then(release, release)
    try {
      const snapshot = await Promise.race([collecting, deadline])
      if (!this.stopping) this.o.onResult(snapshot, clock.now() - started)
    } catch (err) {
      if (!this.stopping) this.o.onError(err, clock.now() - started)
    } finally {
      if (timer) clock.clearTimeout(timer)
      if (this.current === ac) this.current = null
    }
  }
}
