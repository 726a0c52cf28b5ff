import type { LogRecord } from '../model/log-record.js'
import type { DocBody, NewDoc } from '../storage/store.js'
import { fromDocument, toDocument } from './document.js'

/**
 * A log record on its way to the store. It is a NewDoc like any other (the SQLite store, dead letters and the
 * live tail read its ECS body), but the body is built only when something reads it: the Elasticsearch bulk
 * writer serialises the record's fields straight into the bulk (bulk-source.ts), so on the hot path the
 * nested body objects are never made.
 */
export class LogDocument implements NewDoc {
  readonly id: string
  readonly timestamp: number
  private built: DocBody | undefined

  constructor(readonly record: LogRecord) {
    this.id = record.id
    this.timestamp = record.timestamp
  }

  get body(): DocBody {
    return (this.built ??= toDocument(this.record).body)
  }
}

/** The record behind a stored document: a LogDocument's own, else read back from the body. */
export function recordOf(d: NewDoc): LogRecord {
  return d instanceof LogDocument ? d.record : fromDocument(d)
}
