/** The one HTTP call every channel makes: a timeout on the injected clock, failures as SendResults. */
import type { Clock } from '../../src/core/clock.js'
import { networkFailure, type HttpReply, type SendResult } from '../notify/result.js'

export async function httpCall(
  clock: Clock,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<HttpReply | SendResult> {
  const ac = new AbortController()
  let timedOut = false
  const timer = clock.setTimeout(() => {
    timedOut = true
    ac.abort()
  }, timeoutMs)
  const onAbort = (): void => ac.abort()
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const res = await fetch(url, { method: init.method ?? 'POST', headers: init.headers ?? { 'content-type': 'application/json' }, body: init.body ?? null, signal: ac.signal })
    return { status: res.status, headers: res.headers, text: await res.text() }
  } catch (err) {
    if (err instanceof TypeError && /Invalid URL|Failed to parse URL/i.test(String((err as Error).message))) return { status: 'failure', reason: 'client', message: 'bad URL' }
    return networkFailure(err, timedOut)
  } finally {
    clock.clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
}

export function isReply(r: HttpReply | SendResult): r is HttpReply {
  return typeof (r as HttpReply).status === 'number'
}
