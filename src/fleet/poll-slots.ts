/**
 * How many early polls (a state watch saw a change) an instance runs at once. In a storm every
 * cluster's watch says yes within one watch interval; started all at once, their polls interleave on
 * one event loop and each takes as long as the whole burst. Taken in turn, each poll is over quickly
 * and the first failures are told first. Waiters are served in order.
 */
export class PollSlots {
  private running = 0
  private readonly waiting: (() => void)[] = []

  constructor(readonly max: number) {}

  /** Resolves with the slot's release once one is free. */
  async take(): Promise<() => void> {
    if (this.running >= this.max) await new Promise<void>((r) => this.waiting.push(r))
    else this.running++
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      // The slot passes straight to the next waiter, so `running` stays as it is.
      if (next) next()
      else this.running--
    }
  }

  get inUse(): number {
    return this.running
  }

  get queued(): number {
    return this.waiting.length
  }
}
