import type { Clock, TimerHandle } from '../../src/core/clock.js'

interface Pending {
  at: number
  seq: number
  fn: () => void
}

/** A manual clock: time only moves when a test calls tick() or advance(). */
export class FakeClock implements Clock {
  private current: number
  private seq = 0
  private readonly pending = new Map<number, Pending>()

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start
  }

  now(): number {
    return this.current
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq
    this.pending.set(id, { at: this.current + Math.max(0, ms), seq: id, fn })
    return { id }
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle.id as number)
  }

  get pendingTimers(): number {
    return this.pending.size
  }

  /** Moves time forward, firing due timers in order; awaits microtasks between them. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms
    for (;;) {
      // Let code that is about to schedule a timer (after an await) do so first.
      await flushMicrotasks()
      const next = [...this.pending.values()].filter((p) => p.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0]
      if (!next) break
      this.pending.delete(next.seq)
      this.current = next.at
      next.fn()
      await flushMicrotasks()
    }
    this.current = target
    await flushMicrotasks()
  }
}

export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve()
  await new Promise((r) => setImmediate(r))
}
