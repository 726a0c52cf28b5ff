import type { Clock, TimerHandle } from '../core/clock.js'
import type { Logger } from '../core/logger.js'
import type { LogRecord } from '../model/log-record.js'
import type { NewDoc } from '../storage/store.js'
import { BulkBatcher, untilAborted, type BatcherConfig } from './batcher.js'
import { decodeLog, type DecodeOutcome, type RawLog } from './decode/decode.js'
import { LogDocument } from './log-document.js'
import type { LogMetrics, LogSource } from './metrics.js'
import { LogRateLimiter, type RateLimitConfig } from './rate-limiter.js'
import type { LogSink, SinkResult } from './sink.js'

export interface LogPipelineOptions {
  sink: LogSink
  clock: Clock
  logger: Logger
  metrics: LogMetrics
  batch: BatcherConfig
  rateLimit: RateLimitConfig
  maxRecordBytes: number
  /** Fills job names (and clusters) the records do not carry. */
  enrich?: (r: LogRecord) => void
  /** Called with each admitted document (records and markers) before it is buffered: the ES writer encodes it. */
  admitted?: (d: LogDocument) => void
  /** Called with the documents just made durable (the live tail listens here). */
  onStored?: (docs: readonly NewDoc[], result: SinkResult) => void
}

export interface IngestResult {
  /** Records handed to the store (written or recognised as already there). */
  accepted: number
  /** Records dropped by the rate limiter. */
  dropped: number
}

/**
 * decode → rate limit → bulk → store. Sources (Kafka, HTTP) call decode() per payload and ingest() per
 * batch, and treat the batch as done (commit offsets, answer the request) only when ingest() resolves.
 */
export class LogPipeline {
  readonly batcher: BulkBatcher
  private readonly limiter: LogRateLimiter
  private markerTimer: TimerHandle | undefined
  private running = false

  constructor(private readonly o: LogPipelineOptions) {
    this.limiter = new LogRateLimiter(o.rateLimit)
    this.batcher = new BulkBatcher(
      o.sink,
      o.batch,
      o.clock,
      (docs, result, ms) => this.written(docs, result, ms),
      (_docs, err, ms) => {
        o.metrics.bulkDuration.observe({ outcome: 'failed' }, ms / 1000)
        o.logger.debug({ err }, 'log bulk abandoned')
      },
    )
  }

  decode(raw: RawLog, source: LogSource): DecodeOutcome {
    this.o.metrics.countIn(source)
    const out = decodeLog(raw, { maxRecordBytes: this.o.maxRecordBytes })
    if (!out.ok) this.o.metrics.rejected.inc({ source, reason: out.reason })
    else for (const issue of out.issues) this.o.metrics.decodeIssues.inc({ issue })
    return out
  }

  /** Resolves when every admitted record (and any due marker) is durable; rejects if aborted or stopped. */
  async ingest(records: readonly LogRecord[], signal?: AbortSignal): Promise<IngestResult> {
    const { durable, ...result } = await this.submit(records, signal)
    await (signal ? untilAborted(durable, signal) : durable)
    return result
  }

  /**
   * Like ingest(), but resolves as soon as the records are buffered (after waiting for room: backpressure;
   * `signal` ends only that wait), with `durable`, which resolves once they are all written (rejects if the
   * pipeline stops first). The Kafka source reads on meanwhile and commits each batch when it is durable.
   */
  async submit(records: readonly LogRecord[], signal?: AbortSignal): Promise<IngestResult & { durable: Promise<void> }> {
    const now = this.o.clock.now()
    const docs: { doc: NewDoc; bytes: number }[] = []
    let dropped = 0
    for (const r of records) {
      this.o.enrich?.(r)
      const reason = this.limiter.admit(r, now)
      if (reason) {
        dropped++
        this.o.metrics.dropped.inc({ ...this.o.metrics.jobLabel(r.cluster, r.jobName ?? r.jobId), reason })
        continue
      }
      docs.push({ doc: this.document(r), bytes: estimateBytes(r) })
    }
    for (const m of this.limiter.takeMarkers(now)) docs.push({ doc: this.document(m), bytes: estimateBytes(m) })
    const { durable } = await this.batcher.enqueue(docs, signal)
    return { accepted: docs.length, dropped, durable }
  }

  start(markerIntervalMs: number): void {
    this.running = true
    const tick = (): void => {
      if (!this.running) return
      this.flushMarkers(false)
      this.markerTimer = this.o.clock.setTimeout(tick, markerIntervalMs)
    }
    this.markerTimer = this.o.clock.setTimeout(tick, markerIntervalMs)
  }

  async stop(graceMs: number): Promise<void> {
    this.running = false
    if (this.markerTimer) this.o.clock.clearTimeout(this.markerTimer)
    this.flushMarkers(true)
    await this.batcher.stop(graceMs)
  }

  /** Markers of jobs that went quiet are written on a timer, not only with the next batch. */
  private flushMarkers(all: boolean): void {
    const markers = this.limiter.takeMarkers(this.o.clock.now(), all)
    if (markers.length === 0) return
    this.batcher.add(markers.map((m) => ({ doc: this.document(m), bytes: estimateBytes(m) }))).catch((err: unknown) => this.o.logger.warn({ err }, 'rate-limit marker not written'))
  }

  private document(r: LogRecord): LogDocument {
    const d = new LogDocument(r)
    this.o.admitted?.(d)
    return d
  }

  private written(docs: readonly NewDoc[], result: SinkResult, ms: number): void {
    const m = this.o.metrics
    m.bulkDuration.observe({ outcome: 'ok' }, ms / 1000)
    m.stored.inc(result.written)
    m.duplicates.inc(result.duplicates)
    m.buffered.set(this.batcher.buffered)
    const now = this.o.clock.now()
    for (const d of docs) m.freshness.observe(Math.max(0, now - d.timestamp) / 1000)
    this.o.onStored?.(docs, result)
  }
}

/** Encoded size estimate for bulk sizing, without serialising twice. */
function estimateBytes(r: LogRecord): number {
  const optional = (r.stackTrace?.length ?? 0) + (r.logger?.length ?? 0) + (r.thread?.length ?? 0) + (r.errorMessage?.length ?? 0)
  return 320 + r.message.length + optional + (r.jobName?.length ?? 0) + (r.taskManager?.length ?? 0)
}
