/**
 * A small Flink JobManager REST client: GET only, one per base URL. Every request has its own
 * timeout (on the injected clock, so tests drive it), goes through a bounded per-cluster queue
 * (p-queue), retries a 503 leader-election answer a few times, and decodes the body with a
 * TypeBox schema. It is shared with the YARN and Kubernetes collectors, which reach the same
 * REST API through a proxy base URL with their own headers or TLS dispatcher.
 */
import type { Static, TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { Value } from '@sinclair/typebox/value'
import PQueue from 'p-queue'
import { systemClock, type Clock } from '../../src/core/clock.js'
import { DecodeError, UpstreamError, errorMessage } from '../../src/core/errors.js'
import { retry } from '../../src/core/retry.js'
import type { CollectorErrorReason } from '../../src/model/cluster.js'
import { ErrorBody } from './flink-schemas.js'
import { httpTransport, type Transport } from './http-transport.js'

/** What the client needs from `fetch`; tests and proxies may pass their own. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>

export interface FlinkRestClientOptions {
  /** JobManager REST base, e.g. http://jm:8081 or http://rm:8088/proxy/application_1_2 (no trailing path needed). */
  baseUrl: string
  requestTimeoutMs: number
  /** Concurrent requests to this JobManager. */
  concurrency: number
  headers?: Record<string, string>
  /** An undici Dispatcher (custom TLS, proxies); passed through to fetch as-is. */
  dispatcher?: RequestInit['dispatcher']
  fetch?: FetchLike
  clock?: Clock
  /** Extra attempts after a 503 during leader election (within one request). */
  leaderElectionRetries?: number
  leaderElectionDelayMs?: number
  /** Name in error messages. */
  upstream?: string
}

/** Flink answers 503 with this text while a JobManager leader is being elected. */
const LEADER_ELECTION = /leader election|temporarily unavailable/i

export class FlinkRestClient {
  readonly baseUrl: string
  private readonly queue: PQueue
  private readonly clock: Clock
  private readonly transport: Transport
  private _requests = 0

  constructor(private readonly opts: FlinkRestClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '')
    this.queue = new PQueue({ concurrency: opts.concurrency })
    this.clock = opts.clock ?? systemClock
    this.transport = opts.fetch || opts.dispatcher ? fetchTransport(opts.fetch ?? ((url, init) => fetch(url, init)), opts.dispatcher) : httpTransport(opts.concurrency)
  }

  /** HTTP requests sent so far (retries included). */
  get requests(): number {
    return this._requests
  }

  /** GET `path` (starting with "/") and decode it with `schema`; throws UpstreamError or DecodeError. */
  async get<S extends TSchema>(path: string, schema: S, signal: AbortSignal): Promise<Static<S>> {
    const body = await retry(
      async (bail) => {
        try {
          return await this.queue.add(() => this.once(path, signal), { signal, throwOnTimeout: true })
        } catch (err) {
          if (signal.aborted) bail(abortError(this.opts.upstream ?? 'flink', this.baseUrl + path, signal))
          if (err instanceof UpstreamError && err.status === 503 && reasonOf(err) === 'leader_election') throw err
          bail(err)
        }
      },
      {
        retries: this.opts.leaderElectionRetries ?? 2,
        initialDelayMs: this.opts.leaderElectionDelayMs ?? 500,
        maxDelayMs: 2000,
        multiplier: 2,
        jitter: 0.2,
        clock: this.clock,
        signal,
      },
    ).catch((err: unknown) => {
      // Keep the last 503 rather than the generic "gave up" wrapper: its reason is what gets counted.
      const cause = (err as { cause?: unknown }).cause
      throw cause instanceof UpstreamError ? cause : err
    })
    const check = compiled(schema)
    if (!check.Check(body)) {
      const first = [...check.Errors(body)][0]
      throw new DecodeError(`unexpected payload from ${this.opts.upstream ?? 'flink'} ${path}: ${first ? `${first.path || '/'} ${first.message}` : 'does not match'}`)
    }
    return body as Static<S>
  }

  private async once(path: string, outer: AbortSignal): Promise<unknown> {
    const url = this.baseUrl + path
    const upstream = this.opts.upstream ?? 'flink'
    const ac = new AbortController()
    // Created only when it fires: an Error with a stack per request is measurable at fleet scale.
    const TIMEOUT = Symbol('timeout')
    const timer = this.clock.setTimeout(() => ac.abort(TIMEOUT), this.opts.requestTimeoutMs)
    const onOuter = (): void => ac.abort(outer.reason)
    if (outer.aborted) onOuter()
    else outer.addEventListener('abort', onOuter, { once: true })
    this._requests++
    try {
      const res = await this.transport(url, { accept: 'application/json', ...this.opts.headers }, ac.signal)
      const text = res.text
      if (res.status < 200 || res.status > 299) {
        let message = text.slice(0, 300)
        try {
          const parsed: unknown = JSON.parse(text)
          if (Value.Check(ErrorBody, parsed)) message = parsed.errors.join('; ').split('\n')[0] ?? message
        } catch {
          // not JSON: keep the raw text
        }
        throw new UpstreamError(upstream, url, `${upstream} GET ${path}: HTTP ${res.status}${message ? ` ${message}` : ''}`, {
          status: res.status,
          retriable: res.status >= 500 || res.status === 429,
        })
      }
      try {
        return JSON.parse(text) as unknown
      } catch (err) {
        throw new DecodeError(`${upstream} GET ${path}: response is not JSON (${text.length} bytes: ${JSON.stringify(text.slice(0, 40))})`, { cause: err })
      }
    } catch (err) {
      if (ac.signal.aborted) {
        if (ac.signal.reason === TIMEOUT) throw new UpstreamError(upstream, url, `${upstream} GET ${path} timed out after ${this.opts.requestTimeoutMs} ms`, { code: 'ERR_UPSTREAM_TIMEOUT' })
        throw abortError(upstream, url, ac.signal)
      }
      if (err instanceof UpstreamError || err instanceof DecodeError) throw err
      throw new UpstreamError(upstream, url, `${upstream} GET ${path}: ${connectMessage(err)}`, { cause: err })
    } finally {
      this.clock.clearTimeout(timer)
      outer.removeEventListener('abort', onOuter)
    }
  }
}

/** Adapts a fetch function (tests, proxies, custom TLS dispatchers) to the transport shape. */
function fetchTransport(f: FetchLike, dispatcher: RequestInit['dispatcher'] | undefined): Transport {
  return async (url, headers, signal) => {
    const res = await f(url, { method: 'GET', headers, signal, ...(dispatcher ? { dispatcher } : {}) })
    return { status: res.status, text: await res.text() }
  }
}

/** Compiled checkers: /jobs/overview of a big session cluster is checked every poll. */
const checkers = new WeakMap<TSchema, TypeCheck<TSchema>>()
function compiled(schema: TSchema): TypeCheck<TSchema> {
  let c = checkers.get(schema)
  if (!c) checkers.set(schema, (c = TypeCompiler.Compile(schema)))
  return c
}

function abortError(upstream: string, url: string, signal: AbortSignal): UpstreamError {
  return new UpstreamError(upstream, url, `${upstream} request aborted: ${errorMessage(signal.reason ?? 'aborted')}`, { retriable: false, cause: signal.reason })
}

/** fetch hides the socket error under `cause`; surface ECONNREFUSED and friends. */
function connectMessage(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } }
  const cause = e.code ? e : e.cause
  if (cause?.code) return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` ${cause.message}` : ''}`
  return errorMessage(err)
}

/** Maps any collector error to a bounded metric label. */
export function reasonOf(err: unknown): CollectorErrorReason {
  if (err instanceof DecodeError) return 'decode'
  if (err instanceof UpstreamError) {
    if (err.code === 'ERR_UPSTREAM_TIMEOUT') return 'timeout'
    if (err.status === 503 && LEADER_ELECTION.test(err.message)) return 'leader_election'
    if (err.status === 404) return 'not_found'
    if (err.status !== undefined) return err.status >= 500 ? 'http_5xx' : 'http_4xx'
    if (err.retriable === false && /aborted/.test(err.message)) return 'aborted'
    return 'connect'
  }
  return 'other'
}
