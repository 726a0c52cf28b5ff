/**
 * A small Flink JobManager REST client: GET only, one per base URL. Every request has its own
 * timeout (on the injected clock, so tests drive it), goes through a bounded per-cluster queue
 * (p-queue), retries a 503 leader-election answer a few times, and decodes the body with a
 * TypeBox schema. It is shared with the YARN and Kubernetes collectors, which reach the same
 * REST API through a proxy base URL with their own headers or transport (the API server's TLS and token).
 */
import type { Static, TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { Value } from '@sinclair/typebox/value'
import PQueue from 'p-queue'
import { systemClock, type Clock } from '../../src/core/clock.js'
import { DecodeError, UpstreamError, errorMessage } from '../../src/core/errors.js'
import { retry } from '../../src/core/retry.js'
import { cancel, newCancel, type Cancel } from '../../src/core/http/cancel.js'
import { fetchTransport, type FetchLike, type HttpTransport } from '../../src/core/http/transport.js'
import { classifyNetworkError, classifyStatus, reasonOf } from '../../src/core/http/status.js'
import { createHttpTransport } from '../../src/core/http/undici-transport.js'
import { ErrorBody } from './flink-schemas.js'

export type { FetchLike } from '../../src/core/http/transport.js'
/** Re-exported for the collectors' tests; the mapping lives with the status table. */
export { reasonOf } from '../../src/core/http/status.js'

export interface FlinkRestClientOptions {
  /** JobManager REST base, e.g. http://jm:8081 or http://rm:8088/proxy/application_1_2 (no trailing path needed). */
  baseUrl: string
  requestTimeoutMs: number
  /** Concurrent requests to this JobManager. */
  concurrency: number
  headers?: Record<string, string>
  /** Default: a pooled transport of `concurrency` connections; the Kubernetes proxy passes the API server's. */
  transport?: HttpTransport
  /** Tests: a scripted peer behind a fetch function (adapted with fetchTransport). */
  fetch?: FetchLike
  clock?: Clock
  /** Extra attempts after a 503 during leader election (within one request). */
  leaderElectionRetries?: number
  leaderElectionDelayMs?: number
  /** Name in error messages. */
  upstream?: string
}

export class FlinkRestClient {
  readonly baseUrl: string
  private readonly queue: PQueue
  private readonly clock: Clock
  private readonly transport: HttpTransport
  private readonly headers: Record<string, string>
  private readonly upstream: string
  /** In-flight requests per caller signal: one abort listener per signal (per poll), not one per request. */
  private readonly groups = new WeakMap<AbortSignal, Set<Cancel>>()
  private _requests = 0

  constructor(private readonly opts: FlinkRestClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '')
    this.queue = new PQueue({ concurrency: opts.concurrency })
    this.clock = opts.clock ?? systemClock
    this.transport = opts.transport ?? (opts.fetch ? fetchTransport(opts.fetch) : createHttpTransport({ connections: opts.concurrency }))
    this.headers = { accept: 'application/json', ...opts.headers }
    this.upstream = opts.upstream ?? 'flink'
  }

  /** Concurrent requests this client sends to its JobManager. */
  get concurrency(): number {
    return this.opts.concurrency
  }

  /** HTTP requests sent so far (retries included). */
  get requests(): number {
    return this._requests
  }

  /** GET `path` (starting with "/") and decode it with `schema`; throws UpstreamError or DecodeError. */
  async get<S extends TSchema>(path: string, schema: S, signal: AbortSignal): Promise<Static<S>> {
    let body: unknown
    try {
      body = await this.queued(path, signal)
    } catch (err) {
      if (signal.aborted) throw abortError(this.upstream, this.baseUrl + path, signal)
      if (!isLeaderElection(err)) throw err
      // Only a leader election is retried; the happy path does not pay for the retry machinery.
      body = await this.retryLeaderElection(path, signal, err)
    }
    const check = compiled(schema)
    if (!check.Check(body)) {
      const first = check.Errors(body).First()
      throw new DecodeError(`unexpected payload from ${this.upstream} ${path}: ${first ? `${first.path || '/'} ${first.message}` : 'does not match'}`)
    }
    return body as Static<S>
  }

  private queued(path: string, signal: AbortSignal): Promise<unknown> {
    // Not p-queue's own `signal` option: it adds an abort listener per queued request. A request
    // that reaches the head of the queue after the poll was aborted fails at once instead.
    return this.queue.add(() => (signal.aborted ? Promise.reject(abortError(this.upstream, this.baseUrl + path, signal)) : this.once(path, signal)), { throwOnTimeout: true })
  }

  private retryLeaderElection(path: string, signal: AbortSignal, first: unknown): Promise<unknown> {
    let pending: unknown = first
    return retry(
      async (bail) => {
        // Replays the first 503 so that retry() applies its usual backoff before the next attempt.
        if (pending !== undefined) {
          const err = pending
          pending = undefined
          throw err
        }
        try {
          return await this.queued(path, signal)
        } catch (err) {
          if (signal.aborted) bail(abortError(this.upstream, this.baseUrl + path, signal))
          if (isLeaderElection(err)) throw err
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
      if (signal.aborted) throw abortError(this.upstream, this.baseUrl + path, signal)
      // Keep the last 503 rather than the generic "gave up" wrapper: its reason is what gets counted.
      const cause = (err as { cause?: unknown }).cause
      throw cause instanceof UpstreamError ? cause : err
    })
  }

  /** The set of in-flight requests of one caller signal; its single listener cancels them all. */
  private group(outer: AbortSignal): Set<Cancel> {
    let g = this.groups.get(outer)
    if (!g) {
      const set = new Set<Cancel>()
      g = set
      this.groups.set(outer, set)
      outer.addEventListener('abort', () => {
        for (const c of set) cancel(c, outer.reason ?? ABORTED)
        set.clear()
      }, { once: true })
    }
    return g
  }

  private async once(path: string, outer: AbortSignal): Promise<unknown> {
    const url = this.baseUrl + path
    const upstream = this.upstream
    const c = newCancel()
    const timer = this.clock.setTimeout(() => cancel(c, TIMEOUT), this.opts.requestTimeoutMs)
    const group = this.group(outer)
    group.add(c)
    this._requests++
    try {
      const res = await this.transport.request({ url, headers: this.headers }, c)
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
          retriable: classifyStatus(res.status)?.retriable ?? true,
        })
      }
      try {
        return JSON.parse(text) as unknown
      } catch (err) {
        throw new DecodeError(`${upstream} GET ${path}: response is not JSON (${text.length} bytes: ${JSON.stringify(text.slice(0, 40))})`, { cause: err })
      }
    } catch (err) {
      if (c.reason !== undefined) {
        if (c.reason === TIMEOUT) throw new UpstreamError(upstream, url, `${upstream} GET ${path} timed out after ${this.opts.requestTimeoutMs} ms`, { code: 'ERR_UPSTREAM_TIMEOUT' })
        throw abortError(upstream, url, outer)
      }
      if (err instanceof UpstreamError || err instanceof DecodeError) throw err
      throw new UpstreamError(upstream, url, `${upstream} GET ${path}: ${connectMessage(err)}`, { retriable: classifyNetworkError(err).retriable, cause: err })
    } finally {
      this.clock.clearTimeout(timer)
      group.delete(c)
    }
  }
}

/** Cancel reasons; an Error with a stack per request is measurable at fleet scale, so it is created only when needed. */
const TIMEOUT = Symbol('timeout')
const ABORTED = Symbol('aborted')

function isLeaderElection(err: unknown): boolean {
  return err instanceof UpstreamError && err.status === 503 && reasonOf(err) === 'leader_election'
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
