import { Client } from '@elastic/elasticsearch'
import { Type } from '@sinclair/typebox'
import { LRUCache } from 'lru-cache'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { ElasticsearchStorageConfig } from '../config/sections/storage.js'
import { grown, utf8Fits } from '../core/utf8-buffer.js'
import { AppError, redactUrl } from '../core/errors.js'
import { esReason, retriableStatus, toAppError } from '../storage/es-errors.js'
import type { TextAnalysis } from '../storage/es-mapping.js'
import { encodeSource, sourceTextFields } from '../storage/es-source.js'
import type { NewDoc, WriteResult } from '../storage/store.js'
import { LOGS_COLLECTION, logsCollection } from './document.js'
import { logSource } from './bulk-source.js'
import { LogDocument } from './log-document.js'

const DAY_MS = 86_400_000
/** A default bulk (10,000 typical lines) fits; larger ones grow the buffer. */
const INITIAL_BUFFER_BYTES = 12 * 1024 * 1024
const MAX_POOLED_BUFFER_BYTES = 64 * 1024 * 1024
/** Bulks in flight (logs.bulk.maxInFlight) plus the one being built. */
const MAX_FREE_BUFFERS = 4
/**
 * Encoded lines (encode()) are written one after another into slabs of this size: off the JS heap, one
 * allocation per about 1,000 lines, freed when the last document written into it is gone.
 */
const SLAB_BYTES = 1024 * 1024
/** Only what a bulk answer says about failures: `{"errors":false,"items":[{"create":{"status":201}},...]}`. */
const FILTER_PATH = 'errors,items.*.error,items.*.status'

const BulkAnswer = TypeCompiler.Compile(
  Type.Object({
    errors: Type.Boolean(),
    items: Type.Array(Type.Record(Type.String(), Type.Object({ status: Type.Number(), error: Type.Optional(Type.Unknown()) }))),
  }),
)

export interface EsBulkWriterOptions {
  storage: ElasticsearchStorageConfig
  /** The store's text analysis: `pretokenized` adds the token field the store's own writes add. */
  analysis: TextAnalysis
}

/**
 * Writes log documents to the daily log indices with one raw `_bulk` request: the NDJSON body is written
 * directly into a reused buffer (a LogDocument straight from its record's fields, see bulk-source.ts; any
 * other document with one JSON.stringify; action lines from a per-day prefix) and the answer is filtered
 * down to errors and statuses, instead of the client serialising an operations array and parsing every
 * item's full result. The documents are exactly those ElasticsearchStore.write(..., 'create') makes (same
 * index, id, source fields), so search, context and retention see no difference. Reports like Store.write:
 * request failures throw (retriable for 429/5xx/unreachable), per-document ones come back in `failed`
 * (409 counts as duplicate). Retrying, backoff and dead-lettering stay with StoreLogSink.
 */
export class EsBulkWriter {
  private readonly client: Client
  private readonly node: string
  private readonly base: string
  private readonly textFields: readonly string[]
  /** Per UTC day; lines span a few days at most, the cap only guards against absurd timestamps. */
  private readonly actionPrefixes = new LRUCache<number, string>({ max: 1000 })
  private readonly tokens: boolean
  /** Bulk body buffers of answered requests, reused: a fresh multi-megabyte buffer per bulk is page faults. */
  private readonly freeBuffers: Buffer[] = []
  private slab: Buffer | undefined
  private slabUsed = 0

  constructor(private readonly o: EsBulkWriterOptions) {
    const nodes = Array.isArray(o.storage.node) ? o.storage.node : [o.storage.node]
    this.node = nodes.map(redactUrl).join(', ')
    const auth = o.storage.apiKey ? { apiKey: o.storage.apiKey } : o.storage.username ? { username: o.storage.username, password: o.storage.password ?? '' } : undefined
    this.client = new Client({
      node: nodes,
      ...(auth ? { auth } : {}),
      requestTimeout: o.storage.requestTimeout,
      // Retries belong to the sink (backoff, metrics); the transport tries once.
      maxRetries: 0,
      name: 'flinkwatch-logs',
    })
    this.base = `${o.storage.indexPrefix}-${LOGS_COLLECTION}`
    this.textFields = sourceTextFields(logsCollection, o.analysis)
    this.tokens = o.analysis === 'pretokenized'
  }

  /**
   * Writes a LogDocument's bulk line (action and source) now, into off-heap bytes the document keeps, and lets
   * its record go unless `keep` (see log-document.ts). False when the document cannot be encoded (an invalid
   * timestamp): write() then reports it as before.
   */
  encode(d: LogDocument, keep: boolean): boolean {
    const action = this.actionPrefix(d.timestamp)
    if (action === undefined) return false
    const line = `${action}${JSON.stringify(d.id)}}}\n${logSource(d.record, this.tokens)}\n`
    let slab = this.slab
    if (!slab || !utf8Fits(slab, this.slabUsed, line)) {
      slab = this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, Buffer.byteLength(line, 'utf8')))
      this.slabUsed = 0
    }
    const start = this.slabUsed
    this.slabUsed += slab.write(line, start, 'utf8')
    d.encoded(slab, start, this.slabUsed, keep)
    return true
  }

  async write(docs: readonly NewDoc[], signal: AbortSignal): Promise<WriteResult> {
    const result: WriteResult = { written: 0, duplicates: 0, failed: [] }
    const sent: string[] = []
    // Each line goes straight into one buffer: a string concatenated from thousands of pieces would cost more to
    // flatten and encode than building it did.
    let buf = this.freeBuffers.pop() ?? Buffer.allocUnsafeSlow(INITIAL_BUFFER_BYTES)
    let used = 0
    // Encoded lines are copied in runs: consecutive documents of one slab are usually adjacent in it.
    let run: Buffer | undefined
    let runStart = 0
    let runEnd = 0
    let runAt = 0
    const flush = (): void => {
      if (run) run.copy(buf, runAt, runStart, runEnd)
      run = undefined
    }
    for (const d of docs) {
      if (d instanceof LogDocument && d.bulk) {
        const n = d.bulkEnd - d.bulkStart
        if (buf.length - used < n) (flush(), (buf = grown(buf, used, n)))
        if (run === d.bulk && runEnd === d.bulkStart) runEnd = d.bulkEnd
        else (flush(), (run = d.bulk), (runStart = d.bulkStart), (runEnd = d.bulkEnd), (runAt = used))
        used += n
        sent.push(d.id)
        continue
      }
      flush()
      const action = this.actionPrefix(d.timestamp)
      if (action === undefined) {
        result.failed.push({ id: d.id, reason: `invalid timestamp ${String(d.timestamp)}`, retriable: false })
        continue
      }
      const line = `${action}${JSON.stringify(d.id)}}}\n${d instanceof LogDocument ? logSource(d.record, this.tokens) : this.source(d)}\n`
      if (!utf8Fits(buf, used, line)) buf = grown(buf, used, Buffer.byteLength(line, 'utf8'))
      used += buf.write(line, used, 'utf8')
      sent.push(d.id)
    }
    flush()
    if (sent.length === 0) {
      this.release(buf)
      return result
    }
    let answer: unknown
    try {
      answer = await this.client.transport.request({ method: 'POST', path: '/_bulk', querystring: { filter_path: FILTER_PATH }, bulkBody: buf.subarray(0, used) }, { signal })
    } catch (err) {
      // The failed request may still hold the buffer (a socket being torn down): it is not reused.
      throw toAppError(err, `writing to ${LOGS_COLLECTION}`, this.node)
    }
    // Answered: Elasticsearch read the whole body, so the buffer is free for the next bulk.
    this.release(buf)
    if (!BulkAnswer.Check(answer) || answer.items.length !== sent.length) {
      // Nothing is known about which documents made it: resend all (create mode makes the copies duplicates).
      throw new AppError('ERR_STORE_UNAVAILABLE', `writing to ${LOGS_COLLECTION}: Elasticsearch at ${this.node} sent an unexpected bulk answer`, { retriable: true })
    }
    if (!answer.errors) {
      result.written += sent.length
      return result
    }
    answer.items.forEach((item, i) => {
      const op = item['create']
      if (!op) return void result.failed.push({ id: sent[i]!, reason: 'bulk item without a create result', retriable: true })
      const status = op.status
      if (status >= 200 && status < 300) result.written++
      else if (status === 409) result.duplicates++
      else result.failed.push({ id: sent[i]!, reason: esReason({ error: op.error }) ?? `status ${status}`, retriable: retriableStatus(status) })
    })
    return result
  }

  private release(buf: Buffer): void {
    if (this.freeBuffers.length < MAX_FREE_BUFFERS && buf.length <= MAX_POOLED_BUFFER_BYTES) this.freeBuffers.push(buf)
  }

  async close(): Promise<void> {
    await this.client.close()
  }

  /** `{"create":{"_index":"<prefix>-logs-YYYY.MM.DD","_id":` for the UTC day of the timestamp. */
  private actionPrefix(timestamp: number): string | undefined {
    if (!Number.isFinite(timestamp)) return undefined
    const day = Math.floor(Math.trunc(timestamp) / DAY_MS)
    let p = this.actionPrefixes.get(day)
    if (p === undefined) {
      const date = new Date(day * DAY_MS)
      if (Number.isNaN(date.getTime())) return undefined
      p = `{"create":{"_index":${JSON.stringify(`${this.base}-${date.toISOString().slice(0, 10).replace(/-/g, '.')}`)},"_id":`
      this.actionPrefixes.set(day, p)
    }
    return p
  }

  /** ElasticsearchStore's source (its one encoder), for documents other than log records. */
  private source(d: NewDoc): string {
    return encodeSource(d, this.textFields)
  }
}
