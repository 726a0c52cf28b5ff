import { AppError, errorMessage } from '../core/errors.js'
import type { Clock } from '../core/clock.js'
import { onChange, type Logger } from '../core/logger.js'
import { retry, type RetryOptions } from '../core/retry.js'
import type { NewDoc, Store, WriteResult } from '../storage/store.js'
import { DEAD_LETTER_COLLECTION, LOGS_COLLECTION } from './document.js'
import type { LogMetrics } from './metrics.js'

export interface SinkResult {
  written: number
  duplicates: number
  deadLettered: number
  /** Ids that did not end up in the logs collection (dead-lettered). */
  failedIds: ReadonlySet<string>
}

/**
 * Where bulks of log documents go. Resolves once every document is durably written, recognised as a
 * duplicate, or dead-lettered; rejects only when aborted (the caller then does not commit, and the
 * redelivery is deduplicated by id).
 */
export interface LogSink {
  write(docs: readonly NewDoc[], signal: AbortSignal): Promise<SinkResult>
}

export interface StoreLogSinkOptions {
  store: Store
  clock: Clock
  logger: Logger
  metrics: LogMetrics
  /** Defaults: retry without limit (a stopped Elasticsearch must not lose lines), backoff 200 ms .. 10 s. */
  retry?: Partial<RetryOptions>
  /**
   * Writes to the logs collection in `create` mode; default `store.write(LOGS_COLLECTION, docs, 'create')`.
   * The Elasticsearch raw-bulk writer (es-bulk-writer.ts) goes here; it must report like Store.write: whole-bulk
   * failures thrown as AppError (retriable or not), per-document ones in `failed`.
   */
  writeLogs?: (docs: readonly NewDoc[], signal: AbortSignal) => Promise<WriteResult>
}

class PartialFailure extends AppError {
  constructor(n: number, reason: string) {
    super('ERR_STORE_UNAVAILABLE', `${n} documents not written (retriable): ${reason}`, { retriable: true })
  }
}

/**
 * The sink over the Store seam (SQLite or Elasticsearch): `create` writes so a redelivered id is a
 * duplicate, retries with backoff on retriable errors (429, 5xx, unreachable) and on retriable per-document
 * failures, and sends per-document refusals (mapping errors) to the dead-letter collection with the reason.
 */
export class StoreLogSink implements LogSink {
  private readonly logChange = onChange()
  private readonly writeLogs: (docs: readonly NewDoc[], signal: AbortSignal) => Promise<WriteResult>
  constructor(private readonly o: StoreLogSinkOptions) {
    this.writeLogs = o.writeLogs ?? ((docs) => o.store.write(LOGS_COLLECTION, docs, 'create'))
  }

  async write(docs: readonly NewDoc[], signal: AbortSignal): Promise<SinkResult> {
    const result = { written: 0, duplicates: 0, deadLettered: 0, failedIds: new Set<string>() }
    let pending = docs
    const dead: { doc: NewDoc; reason: string }[] = []
    await this.retrying(signal, async () => {
      const r = await this.writeLogs(pending, signal)
      result.written += r.written
      result.duplicates += r.duplicates
      if (r.failed.length === 0) return void this.logChange('logs-sink', 'ok', () => this.o.logger.debug('log bulk written'))
      const again = new Set<string>()
      let reason = ''
      const byId = new Map(pending.map((d) => [d.id, d]))
      for (const f of r.failed) {
        if (f.retriable) {
          again.add(f.id)
          reason = f.reason
        } else {
          const doc = byId.get(f.id)
          if (doc) dead.push({ doc, reason: f.reason })
        }
      }
      if (again.size > 0) {
        pending = pending.filter((d) => again.has(d.id))
        throw new PartialFailure(again.size, reason)
      }
      this.logChange('logs-sink', 'ok', () => this.o.logger.debug('log bulk written'))
    })
    if (dead.length > 0) {
      const deadDocs: NewDoc[] = dead.map(({ doc, reason }) => ({
        id: doc.id,
        timestamp: doc.timestamp,
        body: { '@timestamp': new Date(doc.timestamp).toISOString(), collection: LOGS_COLLECTION, origin: String((doc.body['flinkwatch'] as { origin?: unknown } | undefined)?.origin ?? ''), reason: reason.slice(0, 2000), document: safeJson(doc.body) },
      }))
      await this.retrying(signal, async () => {
        const r = await this.o.store.write(DEAD_LETTER_COLLECTION, deadDocs, 'create')
        if (r.failed.some((f) => f.retriable)) throw new PartialFailure(r.failed.length, r.failed[0]!.reason)
        for (const f of r.failed) this.o.logger.error({ id: f.id, reason: f.reason }, 'dead-letter write refused; log record lost')
      })
      for (const d of dead) result.failedIds.add(d.doc.id)
      result.deadLettered = dead.length
      this.o.metrics.deadLettered.inc(dead.length)
      this.o.logger.warn({ count: dead.length, reason: dead[0]!.reason }, 'log records refused by the store went to the dead-letter collection')
    }
    return result
  }

  private retrying(signal: AbortSignal, fn: () => Promise<void>): Promise<void> {
    return retry(async () => fn(), {
      retries: Number.POSITIVE_INFINITY,
      initialDelayMs: 200,
      maxDelayMs: 10_000,
      ...this.o.retry,
      clock: this.o.clock,
      signal,
      onRetry: (err, attempt, delayMs) => {
        this.o.metrics.bulkRetries.inc()
        this.logChange('logs-sink', errorMessage(err), () => this.o.logger.warn({ err, attempt, delayMs }, 'log bulk failed; retrying'))
      },
    })
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v).slice(0, 64 * 1024)
  } catch (err) {
    return `<not serialisable: ${errorMessage(err)}>`
  }
}
