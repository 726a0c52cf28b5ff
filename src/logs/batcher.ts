import type { Clock, TimerHandle } from '../core/clock.js'
import { AppError } from '../core/errors.js'
import type { NewDoc } from '../storage/store.js'
import type { LogSink, SinkResult } from './sink.js'

export interface BatcherConfig {
  maxRecords: number
  maxBytes: number
  flushIntervalMs: number
  maxInFlight: number
  /** Above this many buffered records, add() waits (backpressure) instead of buffering more. */
  maxBufferedRecords: number
  /** Likewise for buffered bytes (estimated); default maxBytes. Bulks in flight are not counted. */
  maxBufferedBytes?: number
}

interface Ticket {
  remaining: number
  resolve: () => void
  reject: (err: unknown) => void
  settled: boolean
}

interface Entry {
  doc: NewDoc
  bytes: number
  ticket: Ticket
}

export class StoppedError extends AppError {
  constructor() {
    super('ERR_STORE_UNAVAILABLE', 'log pipeline stopped before the records were written', { retriable: true })
  }
}

/**
 * Groups documents into bulks by count, bytes and time, with at most maxInFlight bulks outstanding.
 * Flushes at once when nothing is in flight (low latency when idle) and otherwise lets records gather
 * while bulks are out (large bulks under load). add() resolves when its documents are durable, and
 * waits for room when too much is buffered, which is how consumption pauses instead of buffering forever.
 */
export class BulkBatcher {
  private buffer: Entry[] = []
  private bufferedBytes = 0
  private inFlight = 0
  private timer: TimerHandle | undefined
  private forced = false
  private readonly roomWaiters: (() => void)[] = []
  private readonly idleWaiters: (() => void)[] = []
  private readonly abort = new AbortController()
  private stopped = false
  private readonly outstanding = new Set<Entry[]>()

  constructor(
    private readonly sink: LogSink,
    private readonly cfg: BatcherConfig,
    private readonly clock: Clock,
    private readonly onWritten: (docs: readonly NewDoc[], result: SinkResult, durationMs: number) => void = () => {},
    private readonly onFailed: (docs: readonly NewDoc[], err: unknown, durationMs: number) => void = () => {},
  ) {}

  get buffered(): number {
    return this.buffer.length
  }

  get bulksInFlight(): number {
    return this.inFlight
  }

  /** Buffers docs (bytes: their estimated encoded size) and resolves when every one of them is written. */
  async add(docs: readonly { doc: NewDoc; bytes: number }[], signal?: AbortSignal): Promise<void> {
    const { durable } = await this.enqueue(docs, signal)
    return signal ? untilAborted(durable, signal) : durable
  }

  /**
   * Waits for room (backpressure; `signal` ends the wait), buffers docs, and resolves once they are buffered
   * with `durable`, which resolves when every one of them is written (or rejects when the batcher stops first;
   * an abort does not end it: buffered docs are still written). Lets a source read on while earlier records
   * are being written, and still acknowledge each batch only once it is durable.
   */
  async enqueue(docs: readonly { doc: NewDoc; bytes: number }[], signal?: AbortSignal): Promise<{ durable: Promise<void> }> {
    if (docs.length === 0) return { durable: Promise.resolve() }
    const maxBytes = this.cfg.maxBufferedBytes ?? this.cfg.maxBytes
    while ((this.buffer.length >= this.cfg.maxBufferedRecords || this.bufferedBytes >= maxBytes) && !this.stopped) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve))
      signal?.throwIfAborted()
    }
    if (this.stopped) throw new StoppedError()
    const done = new Promise<void>((resolve, reject) => {
      const ticket: Ticket = { remaining: docs.length, resolve, reject, settled: false }
      for (const d of docs) {
        this.buffer.push({ doc: d.doc, bytes: d.bytes, ticket })
        this.bufferedBytes += d.bytes
      }
    })
    this.pump()
    return { durable: done }
  }

  /** Writes everything buffered, waits up to graceMs for bulks in flight, then gives up on them. */
  async stop(graceMs: number): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.roomWaiters.splice(0).forEach((w) => w())
    this.forced = true
    this.pump()
    const idle = new Promise<void>((resolve) => {
      if (this.inFlight === 0 && this.buffer.length === 0) resolve()
      else this.idleWaiters.push(resolve)
    })
    let t: TimerHandle | undefined
    const grace = new Promise<void>((resolve) => (t = this.clock.setTimeout(resolve, graceMs)))
    await Promise.race([idle, grace])
    if (t) this.clock.clearTimeout(t)
    this.abort.abort(new StoppedError())
    // Callers must not wait on a sink that ignores the abort: their records stay uncommitted and are redelivered.
    for (const bulk of this.outstanding) for (const e of bulk) settle(e.ticket, new StoppedError())
    for (const e of this.buffer.splice(0)) settle(e.ticket, new StoppedError())
    if (this.timer) this.clock.clearTimeout(this.timer)
  }

  private pump(): void {
    while (this.buffer.length > 0 && this.inFlight < this.cfg.maxInFlight) {
      const full = this.buffer.length >= this.cfg.maxRecords || this.bufferedBytes >= this.cfg.maxBytes
      if (!full && this.inFlight > 0 && !this.forced) break
      this.send(this.take())
    }
    if (this.buffer.length === 0) this.forced = this.stopped
    if (this.buffer.length > 0 && !this.timer) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined
        this.forced = true
        this.pump()
      }, this.cfg.flushIntervalMs)
    }
    if (this.buffer.length < this.cfg.maxBufferedRecords && this.bufferedBytes < (this.cfg.maxBufferedBytes ?? this.cfg.maxBytes)) this.roomWaiters.splice(0).forEach((w) => w())
    if (this.inFlight === 0 && this.buffer.length === 0) this.idleWaiters.splice(0).forEach((w) => w())
  }

  private take(): Entry[] {
    let n = 0
    let bytes = 0
    while (n < this.buffer.length && n < this.cfg.maxRecords) {
      const b = this.buffer[n]!.bytes
      if (n > 0 && bytes + b > this.cfg.maxBytes) break
      bytes += b
      n++
    }
    const out = this.buffer.slice(0, n)
    this.buffer = this.buffer.slice(n)
    this.bufferedBytes -= bytes
    return out
  }

  private send(entries: Entry[]): void {
    this.inFlight++
    this.outstanding.add(entries)
    const docs = entries.map((e) => e.doc)
    const started = this.clock.now()
    this.sink.write(docs, this.abort.signal).then(
      (result) => {
        try {
          this.onWritten(docs, result, this.clock.now() - started)
        } catch {
          // observers (metrics, live tail) never undo a durable write
        }
        for (const e of entries) if (--e.ticket.remaining === 0) settle(e.ticket)
      },
      (err: unknown) => {
        try {
          this.onFailed(docs, err, this.clock.now() - started)
        } catch {
          // as above
        }
        for (const e of entries) settle(e.ticket, err)
      },
    ).finally(() => {
      this.outstanding.delete(entries)
      this.inFlight--
      this.pump()
    })
  }
}

/** `done`, or the signal's reason as soon as it is aborted. */
export function untilAborted(done: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    done.then(
      () => (signal.removeEventListener('abort', onAbort), resolve()),
      (err: unknown) => (signal.removeEventListener('abort', onAbort), reject(err)),
    )
  })
}

function settle(t: Ticket, err?: unknown): void {
  if (t.settled) return
  t.settled = true
  if (err === undefined) t.resolve()
  else t.reject(err)
}
