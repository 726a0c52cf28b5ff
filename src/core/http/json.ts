/**
 * JSON over the one HttpTransport for the upstream peers other than the polled Flink REST API (YARN RM,
 * Kubernetes API server, lifecycle actions). The request timeout runs on the injected clock, and every
 * failure becomes an UpstreamError or a DecodeError with the (redacted) URL and the peer's own message.
 */
import { Value } from '@sinclair/typebox/value'
import type { TSchema, Static } from '@sinclair/typebox'
import type { Clock } from '../clock.js'
import { DecodeError, UpstreamError, errorMessage } from '../errors.js'
import { deadline } from './cancel.js'
import { classifyNetworkError, classifyStatus } from './status.js'
import { fetchTransport, type FetchLike, type HttpTransport } from './transport.js'
import { createHttpTransport } from './undici-transport.js'

export type { FetchLike } from './transport.js'

export interface HttpJsonOptions {
  upstream: string
  clock: Clock
  timeoutMs: number
  /** Default: the process-wide shared transport; `fetch` (tests) is adapted when given instead. */
  transport?: HttpTransport
  fetch?: FetchLike
}

export interface JsonRequest {
  method?: string
  body?: unknown
  headers?: Record<string, string>
  signal?: AbortSignal
}

export interface JsonResponse {
  status: number
  text: string
}

let shared: HttpTransport | undefined
/**
 * One pooled transport for the plain-HTTP(S) peers that need no TLS options of their own. It follows
 * redirects as fetch did: the YARN RM proxy sends clients of an ended application to its app page.
 */
export function sharedTransport(): HttpTransport {
  return (shared ??= createHttpTransport({ maxRedirections: 20 }))
}

export function transportOf(o: { transport?: HttpTransport | undefined; fetch?: FetchLike | undefined }): HttpTransport {
  return o.transport ?? (o.fetch ? fetchTransport(o.fetch) : sharedTransport())
}

/** Sends one request; resolves with any HTTP status (callers decide), rejects on transport failure/timeout. */
export async function sendRequest(o: HttpJsonOptions, url: string, r: JsonRequest = {}): Promise<JsonResponse> {
  const d = deadline(o.clock, o.timeoutMs, r.signal)
  try {
    const headers: Record<string, string> = { accept: 'application/json', ...r.headers }
    if (r.body !== undefined) headers['content-type'] ??= 'application/json'
    const res = await transportOf(o).request(
      { url, method: r.method ?? 'GET', headers, ...(r.body === undefined ? {} : { body: typeof r.body === 'string' ? r.body : JSON.stringify(r.body) }) },
      d.cancel,
    )
    return { status: res.status, text: res.text }
  } catch (err) {
    if (d.timedOut()) throw new UpstreamError(o.upstream, url, `${o.upstream} did not answer ${r.method ?? 'GET'} within ${o.timeoutMs} ms`, { code: 'ERR_UPSTREAM_TIMEOUT', retriable: true, cause: err })
    if (r.signal?.aborted) throw err
    throw new UpstreamError(o.upstream, url, `${o.upstream} unreachable: ${errorMessage(causeOf(err))}`, { retriable: classifyNetworkError(err).retriable, cause: err })
  } finally {
    d.done()
  }
}

/** Sends a request and decodes a 2xx JSON body against `schema`. */
export async function requestJson<S extends TSchema>(o: HttpJsonOptions, url: string, schema: S, r: JsonRequest = {}): Promise<Static<S>> {
  const res = await sendRequest(o, url, r)
  if (res.status < 200 || res.status > 299) throw statusError(o.upstream, url, res)
  return decodeJson(o.upstream, url, res.text, schema)
}

export function decodeJson<S extends TSchema>(upstream: string, url: string, text: string, schema: S): Static<S> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new DecodeError(`${upstream} answered ${new URL(url).pathname} with a body that is not JSON: ${JSON.stringify(text.slice(0, 80))}`)
  }
  if (!Value.Check(schema, parsed)) throw new DecodeError(`${upstream} answered ${new URL(url).pathname} with an unexpected payload: ${firstSchemaError(schema, parsed)}`)
  return parsed
}

export function firstSchemaError(schema: TSchema, value: unknown): string {
  const e = Value.Errors(schema, value).First()
  return e ? `${e.path || '/'} ${e.message}` : 'does not match'
}

export function statusError(upstream: string, url: string, res: JsonResponse): UpstreamError {
  const retriable = classifyStatus(res.status)?.retriable ?? false
  return new UpstreamError(upstream, url, `${upstream} answered HTTP ${res.status} for ${new URL(url).pathname}: ${peerMessage(res.text)}`, { status: res.status, retriable })
}

/** The message a peer put in its error body: Flink `errors[]`, Hadoop `RemoteException.message`, Kubernetes Status `message`. */
export function peerMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { errors?: unknown; RemoteException?: { message?: unknown }; message?: unknown }
    if (Array.isArray(j.errors) && j.errors.length > 0) return String(j.errors[0]).split('\n')[0]!.slice(0, 300)
    if (typeof j.RemoteException?.message === 'string') return j.RemoteException.message.slice(0, 300)
    if (typeof j.message === 'string') return j.message.slice(0, 300)
  } catch {
    // not JSON: fall through to the text itself
  }
  return text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200) || '(empty body)'
}

function causeOf(err: unknown): unknown {
  return err instanceof Error && err.cause !== undefined ? err.cause : err
}
