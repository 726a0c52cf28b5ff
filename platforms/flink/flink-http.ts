/**
 * The write side of the Flink JobManager REST API for lifecycle actions (the collectors' client is GET
 * only): JSON requests, PATCH, and multipart jar upload. Timeouts run on the injected clock; HTTP errors
 * become UpstreamError with Flink's own `errors[0]` message; bodies are decoded with TypeBox schemas.
 */
import { randomBytes } from 'node:crypto'
import type { Static, TSchema } from '@sinclair/typebox'
import type { Clock } from '../../src/core/clock.js'
import { UpstreamError, errorMessage } from '../../src/core/errors.js'
import { deadline } from '../../src/core/http/cancel.js'
import { classifyNetworkError } from '../../src/core/http/status.js'
import { decodeJson, statusError, transportOf, type FetchLike } from '../../src/core/http/json.js'
import type { HttpTransport } from '../../src/core/http/transport.js'

export interface FlinkHttpOptions {
  baseUrl: string
  clock: Clock
  timeoutMs: number
  /** Jar uploads take longer than other calls. */
  uploadTimeoutMs?: number
  headers?: Record<string, string>
  transport?: HttpTransport
  fetch?: FetchLike
  upstream?: string
}

export interface FlinkResponse {
  status: number
  text: string
  url: string
}

export class FlinkHttp {
  readonly baseUrl: string
  readonly upstream: string
  constructor(private readonly o: FlinkHttpOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '')
    this.upstream = o.upstream ?? 'Flink JobManager'
  }

  async send(method: string, path: string, opts: { json?: unknown; form?: FormData; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<FlinkResponse> {
    const url = this.baseUrl + path
    const timeoutMs = opts.timeoutMs ?? this.o.timeoutMs
    const d = deadline(this.o.clock, timeoutMs, opts.signal)
    try {
      const headers: Record<string, string> = { accept: 'application/json', ...this.o.headers }
      let body: string | FormData | undefined
      if (opts.form) body = opts.form
      else if (opts.json !== undefined) {
        headers['content-type'] = 'application/json'
        body = JSON.stringify(opts.json)
      }
      const res = await transportOf(this.o).request({ url, method, headers, ...(body !== undefined ? { body } : {}) }, d.cancel)
      return { status: res.status, text: res.text, url }
    } catch (err) {
      if (d.timedOut()) throw new UpstreamError(this.upstream, url, `${this.upstream} did not answer ${method} ${path} within ${timeoutMs} ms`, { code: 'ERR_UPSTREAM_TIMEOUT', cause: err })
      if (opts.signal?.aborted) throw err
      const cause = err instanceof Error && err.cause !== undefined ? err.cause : err
      throw new UpstreamError(this.upstream, url, `${this.upstream} unreachable (${method} ${path}): ${errorMessage(cause)}`, { retriable: classifyNetworkError(err).retriable, cause: err })
    } finally {
      d.done()
    }
  }

  /** A 2xx answer decoded with `schema`; anything else throws. */
  async json<S extends TSchema>(method: string, path: string, schema: S, opts: { json?: unknown; form?: FormData; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<Static<S>> {
    const res = await this.send(method, path, opts)
    if (res.status < 200 || res.status > 299) throw statusError(this.upstream, res.url, res)
    return decodeJson(this.upstream, res.url, res.text, schema)
  }

  get<S extends TSchema>(path: string, schema: S, signal?: AbortSignal): Promise<Static<S>> {
    return this.json('GET', path, schema, { signal })
  }

  get uploadTimeoutMs(): number {
    return this.o.uploadTimeoutMs ?? Math.max(60_000, this.o.timeoutMs)
  }
}

/** 32 hex characters, as Flink accepts for its own savepoint and stop trigger ids. */
export function newTriggerId(): string {
  return randomBytes(16).toString('hex')
}
