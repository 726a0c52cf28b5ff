/**
 * What a delivery attempt means, decided in one place so every channel follows one retry matrix:
 * network errors, timeouts, 5xx, 429 and the platforms' throttle codes (sent with HTTP 200) are
 * retried; any other non-zero platform code is a failure, never a success; 4xx and signature,
 * keyword or token errors are permanent (retrying cannot help and may get the bot banned).
 */
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

/** HTTP-level judgement; 2xx returns undefined so the channel can read the body. */
export function classifyHttp(r: HttpReply, now: number): SendResult | undefined {
  if (r.status >= 200 && r.status < 300) return undefined
  const snippet = r.text.slice(0, 200)
  if (r.status === 429) {
    const after = retryAfterMs(r.headers, now)
    return { status: 'retryable', reason: 'throttled', message: `HTTP 429 ${snippet}`, ...(after !== undefined ? { retryAfterMs: after } : {}) }
  }
  if (r.status >= 500 || r.status === 408) return { status: 'retryable', reason: 'server', message: `HTTP ${r.status} ${snippet}` }
  if (r.status === 401 || r.status === 403) return { status: 'failure', reason: 'auth', message: `HTTP ${r.status} ${snippet}` }
  return { status: 'failure', reason: 'client', message: `HTTP ${r.status} ${snippet}` }
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
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } }
  const code = e.code ?? e.cause?.code ?? ''
  // A URL that cannot resolve is a configuration error, not a passing outage.
  if (code === 'ENOTFOUND' || code === 'ERR_INVALID_URL') return { status: 'failure', reason: 'client', message: `bad URL: ${code}` }
  return { status: 'retryable', reason: 'network', message: `${code || 'network error'}: ${e.cause?.message ?? e.message ?? String(err)}` }
}
