/**
 * The one way the console talks to flinkwatch: fetch with the session's bearer token. A 401 clears the
 * token and brings the sign-in prompt back; a 403 becomes an ApiError whose `neededRole` says which role
 * the action needs. The token lives in sessionStorage only (gone when the tab closes) and is sent in the
 * Authorization header; only the WebSocket URL carries it (browsers cannot set headers on upgrades).
 */
import { store } from './store.js'

const TOKEN_KEY = 'flinkwatch.token'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly neededRole: string | null = null,
  ) {
    super(message)
  }
}

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY)
  } catch {
    return null
  }
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token)
  else sessionStorage.removeItem(TOKEN_KEY)
}

/** Set when any request answers 401: the app shows the sign-in prompt. */
export const authRequired = store(false)

function neededRole(message: string): string | null {
  const m = /(viewer|operator|admin) required/.exec(message)
  return m?.[1] ?? null
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  const token = getToken()
  if (token) headers['authorization'] = `Bearer ${token}`
  const req: RequestInit = { method: init.method ?? 'GET', headers, credentials: 'omit' }
  if (init.signal) req.signal = init.signal
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json'
    req.body = JSON.stringify(init.body)
  }
  const res = await fetch(`/api/v1${path}`, req)
  const text = await res.text()
  let body: unknown = undefined
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = undefined
  }
  if (!res.ok) {
    const message = (body as { message?: unknown } | undefined)?.message
    const msg = typeof message === 'string' ? message : `HTTP ${res.status}`
    // Only a refusal of the token in use asks for sign-in again: a slow answer to a request sent before
    // sign-in (a boot prefetch) must not undo the sign-in that happened meanwhile.
    if (res.status === 401 && getToken() === token) authRequired.value = true
    throw new ApiError(res.status, msg, res.status === 403 ? neededRole(msg) : null)
  }
  return body as T
}

/** Query string from an object, leaving out empty values. */
export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v))
  const s = p.toString()
  return s ? `?${s}` : ''
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.status === 403 && err.neededRole ? `Needs role ${err.neededRole}: ${err.message}` : err.message
  return err instanceof Error ? err.message : String(err)
}
