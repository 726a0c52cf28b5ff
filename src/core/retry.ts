import { sleep, systemClock, type Clock } from './clock.js'
import { RetriesExceededError, isRetriable } from './errors.js'

export interface RetryOptions {
  retries: number
  initialDelayMs: number
  maxDelayMs: number
  multiplier: number
  /** 0..1: share of the delay randomised, so many retriers do not align. */
  jitter: number
  clock?: Clock
  random?: () => number
  signal?: AbortSignal
  /** An error may ask for a specific delay (Retry-After, a platform's throttle hint). */
  delayHint?: (err: unknown) => number | undefined
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void
}

export const defaultRetry: RetryOptions = {
  retries: 5,
  initialDelayMs: 300,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.2,
}

export function backoffDelay(attempt: number, o: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'multiplier' | 'jitter'>, random: () => number = Math.random): number {
  const base = Math.min(o.maxDelayMs, o.initialDelayMs * o.multiplier ** attempt)
  const spread = base * o.jitter
  return Math.max(0, Math.round(base - spread + random() * 2 * spread))
}

export type Bail = (err: unknown) => never

/**
 * The one retry helper (kafkajs `createRetry`): retries retriable errors with
 * exponential backoff and jitter; `bail` stops at once.
 */
export async function retry<T>(fn: (bail: Bail, attempt: number) => Promise<T>, options: Partial<RetryOptions> = {}): Promise<T> {
  const o = { ...defaultRetry, ...options }
  const clock = o.clock ?? systemClock
  const random = o.random ?? Math.random
  class Bailed {
    constructor(readonly err: unknown) {}
  }
  const bail: Bail = (err) => {
    throw new Bailed(err)
  }
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(bail, attempt)
    } catch (err) {
      if (err instanceof Bailed) throw err.err
      if (o.signal?.aborted) throw err
      if (!isRetriable(err)) throw err
      if (attempt >= o.retries) throw new RetriesExceededError(attempt + 1, err)
      const hinted = o.delayHint?.(err)
      const delay = hinted !== undefined ? Math.min(hinted, o.maxDelayMs) : backoffDelay(attempt, o, random)
      o.onRetry?.(err, attempt + 1, delay)
      await sleep(clock, delay, o.signal)
    }
  }
}
