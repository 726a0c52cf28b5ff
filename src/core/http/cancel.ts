/**
 * A request's cancel token. Cheaper than an AbortSignal per request: the Flink REST client sends
 * ~1,000 requests/s at fleet scale, and an AbortController per request plus the listeners the client
 * and the transport would hang on it cost more than the GET itself (EventTarget listeners are slow,
 * and every one is garbage afterwards).
 */
import type { Clock } from '../clock.js'

/** `cancel(token, reason)` runs `hook` once; a transport sets `hook` while it has something to abort. */
export interface Cancel {
  reason: unknown
  hook: ((reason: unknown) => void) | null
}

export function newCancel(): Cancel {
  return { reason: undefined, hook: null }
}

/** Cancels once; later calls are ignored. */
export function cancel(c: Cancel, reason: unknown): void {
  if (c.reason !== undefined) return
  c.reason = reason
  const hook = c.hook
  c.hook = null
  hook?.(reason)
}

/** The reason of a cancel by `deadline()`'s timer; an Error with a stack per request is measurable at fleet scale. */
export const TIMEOUT = Symbol('timeout')

export interface Deadline {
  readonly cancel: Cancel
  /** The timer fired (rather than the caller's signal). */
  timedOut(): boolean
  /** Clears the timer and the signal listener; call it in `finally`. */
  done(): void
}

/**
 * A cancel token that fires after `timeoutMs` on the injected clock (tests drive it) or when `signal`
 * aborts, whichever comes first.
 */
export function deadline(clock: Clock, timeoutMs: number, signal?: AbortSignal | null): Deadline {
  const c = newCancel()
  const timer = clock.setTimeout(() => cancel(c, TIMEOUT), timeoutMs)
  const onAbort = (): void => cancel(c, signal?.reason ?? new Error('aborted'))
  if (signal?.aborted) onAbort()
  else signal?.addEventListener('abort', onAbort, { once: true })
  return {
    cancel: c,
    timedOut: () => c.reason === TIMEOUT,
    done() {
      clock.clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    },
  }
}

/** The Error a transport aborts with for a cancel reason. */
export function cancelError(reason: unknown): Error {
  if (reason instanceof Error) return reason
  return Object.assign(new Error(reason === TIMEOUT ? 'request timed out' : 'request aborted'), { name: 'AbortError' })
}
