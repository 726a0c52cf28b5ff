/**
 * What a delivery attempt means, decided in one place so every channel follows one retry matrix:
 * network errors, timeouts, 5xx, 429 and the platforms' throttle codes (sent with HTTP 200) are
 * retried; any other non-zero platform code is a failure, never a success; 4xx and signature,
 * keyword or token errors are permanent (retrying cannot help and may get the bot banned).
 */
import { classifyNetworkError, classifyStatus, networkCode, type FailureClass } from '../../src/core/http/status.js'
import type { HeaderBag } from '../../src/core/http/transport.js'

export type FailureReason = 'throttled' | 'server' | 'network' | 'timeout' | 'client' | 'auth' | 'platform'

export type SendResult =
  | { status: 'success' }
  | { status: 'retryable'; reason: FailureReason; message: string; retryAfterMs?: number }
  | { status: 'failure'; reason: FailureReason; message: string }

export interface HttpReply {
  status: number
  headers: HeaderBag
  text: string
}

/** Platform codes returned with HTTP 200 that mean "slow down" (retry later). */
export const THROTTLE_CODES: Readonly<Record<string, readonly number[]>> = {
  lark: [11232],
  dingtalk: [130101, 410100, -1],
  wecom: [45009, -1],
}

/** Codes that mean the configuration is wrong (signature, keyword, IP allowlist, token). */
const AUTH_CODES = new Set([19021, 19022, 19024, 310000, 93000, 300005, 400101, 400102])

export function retryAfterMs(headers: HeaderBag, now: number): number | undefined {
  const v = headers.get('retry-after')
  if (!v) return undefined
  const s = Number(v)
  if (Number.isFinite(s)) return Math.max(0, s * 1000)
  const at = Date.parse(v)
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined
}

/** What a failure class of the one status table (src/core/http/status.ts) is called here. */
const REASON: Record<FailureClass, FailureReason> = {
  timeout: 'server',
  throttled: 'throttled',
  auth: 'auth',
  not_found: 'client',
  conflict: 'client',
  client: 'client',
  unavailable: 'server',
  server: 'server',
  network: 'network',
  bad_url: 'client',
  tls: 'client',
  aborted: 'network',
}

/** HTTP-level judgement by the status table; 2xx returns undefined so the channel can read the body. */
export function classifyHttp(r: HttpReply, now: number): SendResult | undefined {
  const cls = classifyStatus(r.status)
  if (cls === null) return undefined
  const message = `HTTP ${r.status} ${r.text.slice(0, 200)}`
  if (!cls.retriable) return { status: 'failure', reason: REASON[cls.reason], message }
  const after = cls.reason === 'throttled' ? retryAfterMs(r.headers, now) : undefined
  return { status: 'retryable', reason: REASON[cls.reason], message, ...(after !== undefined ? { retryAfterMs: after } : {}) }
}

/** A JSON reply carrying `code` (Lark) or `errcode` (DingTalk, WeCom): 0 is the only success. */
export function classifyPlatformCode(platform: string, r: HttpReply, now: number): SendResult {
  const http = classifyHttp(r, now)
  if (http) return http
  let body: unknown
  try {
    body = JSON.parse(r.text)
  } catch {
    return { status: 'failure', reason: 'platform', message: `unexpected reply (not JSON): ${r.text.slice(0, 200)}` }
  }
  const b = (body ?? {}) as { code?: unknown; errcode?: unknown; msg?: unknown; errmsg?: unknown; StatusCode?: unknown }
  const code = typeof b.code === 'number' ? b.code : typeof b.errcode === 'number' ? b.errcode : typeof b.StatusCode === 'number' ? b.StatusCode : undefined
  const msg = String(b.msg ?? b.errmsg ?? '')
  if (code === undefined) return { status: 'failure', reason: 'platform', message: `reply has no code: ${r.text.slice(0, 200)}` }
  if (code === 0) return { status: 'success' }
  if ((THROTTLE_CODES[platform] ?? []).includes(code)) return { status: 'retryable', reason: 'throttled', message: `${platform} code ${code}: ${msg}` }
  return { status: 'failure', reason: AUTH_CODES.has(code) ? 'auth' : 'platform', message: `${platform} code ${code}: ${msg}` }
}

export function networkFailure(err: unknown, timedOut: boolean): SendResult {
  if (timedOut) return { status: 'retryable', reason: 'timeout', message: 'request timed out' }
  const e = err as { message?: string; cause?: { message?: string } }
  const code = networkCode(err) ?? ''
  const cls = classifyNetworkError(err)
  // A URL that cannot resolve is a configuration error, not a passing outage (the table says so for everyone).
  if (cls.reason === 'bad_url') return { status: 'failure', reason: 'client', message: `bad URL: ${code}` }
  const message = `${code || 'network error'}: ${e.cause?.message ?? e.message ?? String(err)}`
  // An aborted send (shutdown) is tried again by the next process, never marked failed.
  if (!cls.retriable && cls.reason !== 'aborted') return { status: 'failure', reason: REASON[cls.reason], message }
  return { status: 'retryable', reason: cls.reason === 'timeout' ? 'timeout' : 'network', message }
}
