import type { LogRecord } from '../model/log-record.js'
import { BODY_TS_FIELD, ID_FIELD, TOKENS_FIELD } from '../storage/es-mapping.js'
import type { DocBody, NewDoc } from '../storage/store.js'
import { fromDocument, toDocument } from './document.js'

/**
 * A log record on its way to the store. It is a NewDoc like any other (the SQLite store, dead letters and the
 * live tail read its ECS body), but the body is built only when something reads it.
 *
 * On Elasticsearch the bulk line (action and source) is written into off-heap bytes as soon as the record is
 * admitted (EsBulkWriter.encode), and the record itself is let go unless something will want it after the write
 * (WARN and worse for the rules, markers, live-tail subscribers): a record and its strings would otherwise live
 * for a bulk's whole round trip, long enough to be promoted and cost old-generation garbage collection, for
 * every line. Should anything still ask for the record or the body (a dead letter, a subscriber who joined
 * meanwhile), it is read back from the bytes, which hold exactly toDocument's body.
 */
export class LogDocument implements NewDoc {
  readonly id: string
  readonly timestamp: number
  readonly level: LogRecord['level']
  private rec: LogRecord | undefined
  private built: DocBody | undefined
  /** The encoded bulk line (`bulk.subarray(bulkStart, bulkEnd)`), when the writer made one. */
  bulk: Buffer | undefined
  bulkStart = 0
  bulkEnd = 0

  constructor(record: LogRecord) {
    this.rec = record
    this.id = record.id
    this.timestamp = record.timestamp
    this.level = record.level
  }

  get record(): LogRecord {
    return (this.rec ??= fromDocument({ id: this.id, timestamp: this.timestamp, body: this.body }))
  }

  get body(): DocBody {
    if (this.built) return this.built
    this.built = this.rec ? toDocument(this.rec).body : this.bodyFromBulk()
    return this.built
  }

  /** Sets the encoded bulk line and, unless `keep`, lets the record go. */
  encoded(bulk: Buffer, start: number, end: number, keep: boolean): void {
    this.bulk = bulk
    this.bulkStart = start
    this.bulkEnd = end
    if (!keep) this.rec = undefined
  }

  /** toDocument's body from the bulk source: the internal fields off, the body's own time back in front. */
  private bodyFromBulk(): DocBody {
    const line = this.bulk!.toString('utf8', this.bulkStart, this.bulkEnd)
    const source = JSON.parse(line.slice(line.indexOf('\n') + 1)) as DocBody
    const { '@timestamp': _ts, [ID_FIELD]: _id, [BODY_TS_FIELD]: bodyTs, [TOKENS_FIELD]: _tokens, ...rest } = source
    return { '@timestamp': bodyTs, ...rest }
  }
}

/** The record behind a stored document: a LogDocument's own, else read back from the body. */
export function recordOf(d: NewDoc): LogRecord {
  return d instanceof LogDocument ? d.record : fromDocument(d)
}
