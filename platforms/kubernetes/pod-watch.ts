/**
 * A watch of the TaskManager pods of one namespace (or all), so a pod that is OOM-killed and deleted
 * between two polls is still seen: Flink deletes a dead TaskManager pod at once (restartPolicy Never),
 * and the per-poll list only shows pods that still exist.
 *
 * Reflector habits (client-go): start from the resourceVersion of a list (the collector's own poll
 * list, or our re-list), follow BOOKMARK events, resume from the last resourceVersion when the server
 * closes the stream, re-list when it answers 410 Gone (HTTP 410 or an ERROR event with code 410),
 * back off on the injected clock after errors, and stop on `stop()` or when no poll renewed the lease.
 */
import { Value } from '@sinclair/typebox/value'
import { sleep, type Clock } from '../../src/core/clock.js'
import { DecodeError, UpstreamError } from '../../src/core/errors.js'
import { backoffDelay } from '../../src/core/retry.js'
import { firstSchemaError, statusError } from '../../src/core/http/json.js'
import { podWatchPath, type KubeApi, type Namespace } from './kube-api.js'
import type { KubeClient } from './kube-client.js'
import { BookmarkDto, PodDto, StatusDto, WatchEventDto } from './kube-types.js'

export type PodEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'LISTED'

/** Bounded reasons (metric label values). */
export type WatchErrorReason = 'gone' | 'connect' | 'timeout' | 'http_4xx' | 'http_5xx' | 'decode' | 'error_event' | 'other'

/** What the watch does, for tests and debug logs. */
export interface WatchNotice {
  kind: 'listed' | 'event' | 'bookmark' | 'gone' | 'error' | 'closed' | 'stopped'
  namespace: Namespace
  resourceVersion: string | null
  type?: string
  reason?: WatchErrorReason
}

export interface PodWatchOptions {
  client: KubeClient
  api: KubeApi
  clock: Clock
  namespace: Namespace
  labelSelector: string
  /** Server-side end of one watch request; the watch then resumes from the last resourceVersion. */
  timeoutSeconds?: number
  backoff?: { initialDelayMs: number; maxDelayMs: number }
  random?: () => number
  onPod(type: PodEventType, pod: PodDto): void
  /** Every failure, once; the watch goes on after a backoff. */
  onError(reason: WatchErrorReason, err: unknown): void
  onNotice?(n: WatchNotice): void
}

const DEFAULT_TIMEOUT_S = 300
/** A stream that ends this soon without a single event is treated like an error (no hot loop). */
const MIN_HEALTHY_STREAM_MS = 1000

export class PodWatch {
  private rv: string | null = null
  private ac: AbortController | null = null
  private loop: Promise<void> | null = null
  private failures = 0

  constructor(private readonly o: PodWatchOptions) {}

  get running(): boolean {
    return this.loop !== null
  }

  get resourceVersion(): string | null {
    return this.rv
  }

  /** Starts watching from `resourceVersion` (of a list the caller just made), or lists first when null. */
  start(resourceVersion: string | null): void {
    if (this.loop) return
    this.rv = resourceVersion
    this.failures = 0
    const ac = (this.ac = new AbortController())
    this.loop = this.run(ac.signal).finally(() => {
      if (this.ac === ac) {
        this.ac = null
        this.loop = null
      }
    })
  }

  async stop(): Promise<void> {
    const loop = this.loop
    this.ac?.abort(new Error('pod watch stopped'))
    await loop
  }

  private notice(n: Omit<WatchNotice, 'namespace' | 'resourceVersion'>): void {
    this.o.onNotice?.({ ...n, namespace: this.o.namespace, resourceVersion: this.rv })
  }

  private async run(signal: AbortSignal): Promise<void> {
    let goneInARow = 0
    while (!signal.aborted) {
      try {
        if (this.rv === null) await this.relist(signal)
        const started = this.o.clock.now()
        const out = await this.watchOnce(signal)
        if (out === 'gone') {
          // The resourceVersion was compacted away: what happened since is lost, a fresh list shows
          // the pods as they are now (their terminated states included) and the watch starts again.
          this.rv = null
          this.o.onError('gone', new UpstreamError('Kubernetes API server', '', `pod watch of ${nsName(this.o.namespace)}: resourceVersion too old (410 Gone), listing again`, { status: 410 }))
          this.notice({ kind: 'gone' })
          if (++goneInARow > 1) await this.backoff(signal)
          continue
        }
        goneInARow = 0
        this.notice({ kind: 'closed' })
        if (out === 'quiet' && this.o.clock.now() - started < MIN_HEALTHY_STREAM_MS) await this.backoff(signal)
        else this.failures = 0
      } catch (err) {
        if (signal.aborted) break
        const reason = watchReason(err)
        this.o.onError(reason, err)
        this.notice({ kind: 'error', reason })
        await this.backoff(signal)
      }
    }
    this.notice({ kind: 'stopped' })
  }

  private async backoff(signal: AbortSignal): Promise<void> {
    const b = this.o.backoff ?? { initialDelayMs: 1000, maxDelayMs: 60_000 }
    const ms = backoffDelay(this.failures++, { ...b, multiplier: 2, jitter: 0.2 }, this.o.random)
    await sleep(this.o.clock, ms, signal).catch(() => undefined)
  }

  private async relist(signal: AbortSignal): Promise<void> {
    const l = await this.o.api.listPods(this.o.namespace, this.o.labelSelector, signal)
    for (const r of l.rejected) this.o.onError('decode', new DecodeError(r))
    for (const p of l.items) this.o.onPod('LISTED', p)
    if (!l.resourceVersion) throw new DecodeError(`the pod list of ${nsName(this.o.namespace)} has no metadata.resourceVersion: cannot watch from it`)
    this.rv = l.resourceVersion
    this.notice({ kind: 'listed' })
  }

  /** One watch request: 'gone' (410), 'events' (ended after progress) or 'quiet' (ended with none). */
  private async watchOnce(signal: AbortSignal): Promise<'gone' | 'events' | 'quiet'> {
    const timeoutSeconds = this.o.timeoutSeconds ?? DEFAULT_TIMEOUT_S
    const path = podWatchPath(this.o.namespace, this.o.labelSelector, this.rv ?? '', timeoutSeconds)
    // Written by the line reader (a callback), read after the stream ended.
    const seen: { gone: boolean; events: number; error: Error | null } = { gone: false, events: 0, error: null }
    const res = await this.o.client.stream(
      path,
      (line) => {
        const ev = parseLine(line)
        if (ev instanceof Error) {
          this.o.onError('decode', ev)
          return
        }
        if (ev.type === 'BOOKMARK') {
          if (Value.Check(BookmarkDto, ev.object)) this.rv = ev.object.metadata.resourceVersion
          seen.events++
          this.failures = 0
          this.notice({ kind: 'bookmark' })
          return
        }
        if (ev.type === 'ERROR') {
          const st = Value.Check(StatusDto, ev.object) ? ev.object : {}
          if (st.code === 410) seen.gone = true
          else seen.error = new WatchErrorEvent(`pod watch of ${nsName(this.o.namespace)} ended with an error: ${st.code ?? ''} ${st.reason ?? ''} ${st.message ?? ''}`.replace(/\s+/g, ' ').trim())
          return false
        }
        if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') {
          this.o.onError('decode', new DecodeError(`pod watch of ${nsName(this.o.namespace)}: unknown event type ${JSON.stringify(ev.type.slice(0, 40))}`))
          return
        }
        if (!Value.Check(PodDto, ev.object)) {
          this.o.onError('decode', new DecodeError(`pod watch of ${nsName(this.o.namespace)}: ${ev.type} object skipped: ${firstSchemaError(PodDto, ev.object)}`))
          return
        }
        seen.events++
        this.failures = 0
        if (ev.object.metadata.resourceVersion) this.rv = ev.object.metadata.resourceVersion
        this.o.onPod(ev.type, ev.object)
        this.notice({ kind: 'event', type: ev.type })
      },
      { signal, idleTimeoutMs: (timeoutSeconds + 30) * 1000 },
    )
    if (res.status === 410) return 'gone'
    if (res.status < 200 || res.status > 299) throw statusError('Kubernetes API server', this.o.client.baseUrl + path.split('?')[0], { status: res.status, text: res.text })
    if (seen.gone) return 'gone'
    if (seen.error) throw seen.error
    return seen.events > 0 ? 'events' : 'quiet'
  }
}

/** An ERROR event other than 410 in the stream (the server gave up on this watch). */
class WatchErrorEvent extends UpstreamError {
  constructor(message: string) {
    super('Kubernetes API server', '', message)
  }
}

function parseLine(line: string): { type: string; object: unknown } | DecodeError {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch {
    return new DecodeError(`pod watch sent a line that is not JSON: ${JSON.stringify(line.slice(0, 80))}`)
  }
  if (!Value.Check(WatchEventDto, parsed)) return new DecodeError(`pod watch sent an unexpected event: ${firstSchemaError(WatchEventDto, parsed)}`)
  return parsed
}

export function watchReason(err: unknown): WatchErrorReason {
  if (err instanceof DecodeError) return 'decode'
  if (err instanceof WatchErrorEvent) return 'error_event'
  if (err instanceof UpstreamError) {
    if (err.code === 'ERR_UPSTREAM_TIMEOUT') return 'timeout'
    if (err.status === 410) return 'gone'
    if (err.status !== undefined) return err.status >= 500 ? 'http_5xx' : 'http_4xx'
    return 'connect'
  }
  return 'other'
}

export function nsName(n: Namespace): string {
  return n === null ? 'all namespaces' : `namespace ${n}`
}
