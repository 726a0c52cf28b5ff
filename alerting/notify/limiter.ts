/**
 * A per-channel sliding-window limiter on the injected clock ("5 per second and 100 per minute").
 * Bottleneck's reservoir is a fixed window (100 at :59 and 100 at :01 is 200 in one minute, which
 * Lark answers with 11232) and runs on real timers, so it cannot be driven by a test clock.
 *
 * A send is recorded when its reply arrived: with one request at a time per channel, a request
 * reaches the platform no later than its reply comes back, so spacing sends by reply times keeps
 * the platform's own count (by arrival) within the limit whatever the network delay.
 */
import { sleep, type Clock } from '../../src/core/clock.js'

export interface Window {
  limit: number
  ms: number
}

export class SlidingLimiter {
  private readonly log: number[] = []
  private readonly keepMs: number

  constructor(private readonly windows: readonly Window[], private readonly clock: Clock, private readonly marginMs = 20) {
    this.keepMs = Math.max(0, ...windows.map((w) => w.ms)) + marginMs
  }

  /** How long until one more send fits every window (0 = now). */
  waitMs(now = this.clock.now()): number {
    while (this.log.length > 0 && now - this.log[0]! >= this.keepMs) this.log.shift()
    let wait = 0
    for (const w of this.windows) {
      const inWindow = this.log.filter((t) => now - t < w.ms + this.marginMs)
      if (inWindow.length >= w.limit) wait = Math.max(wait, inWindow[inWindow.length - w.limit]! + w.ms + this.marginMs - now)
    }
    return wait
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    for (let w = this.waitMs(); w > 0; w = this.waitMs()) await sleep(this.clock, w, signal)
  }

  /** A request finished (its reply arrived, or it failed). */
  record(at = this.clock.now()): void {
    this.log.push(at)
  }
}
