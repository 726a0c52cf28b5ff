import { createHash } from 'node:crypto'
import type { Clock } from '../core/clock.js'
import type { LogRecord } from '../model/log-record.js'
import { splitPlainTextEvents } from './decode/plain-text.js'
import type { LogPipeline } from './pipeline.js'

export interface HttpIngestResult {
  accepted: number
  rejected: number
  /** Accepted but dropped by the per-job / per-TaskManager rate limit. */
  dropped: number
  errors: { line: number; reason: string }[]
}

const MAX_ERRORS = 100

/**
 * POST /api/v1/logs: NDJSON (one record per line) or, as text/plain, lines in Flink's pattern with stack
 * traces on the following lines. Ids are content hashes, so a client retrying a request makes no duplicates.
 */
export async function ingestHttpBody(pipeline: LogPipeline, clock: Clock, body: Buffer, kind: 'ndjson' | 'text', signal?: AbortSignal): Promise<HttpIngestResult> {
  const receivedAt = clock.now()
  const records: LogRecord[] = []
  const errors: HttpIngestResult['errors'] = []
  let rejected = 0
  const add = (bytes: Uint8Array, line: number): void => {
    const id = `h-${createHash('sha256').update(bytes).digest('base64url').slice(0, 32)}`
    const out = pipeline.decode({ value: bytes, id, origin: 'http', receivedAt }, 'http')
    if (out.ok) records.push(out.record)
    else {
      rejected++
      if (errors.length < MAX_ERRORS) errors.push({ line, reason: out.reason })
    }
  }
  if (kind === 'ndjson') {
    let start = 0
    let line = 1
    for (let i = 0; i <= body.length; i++) {
      if (i === body.length || body[i] === 0x0a) {
        let end = i
        if (end > start && body[end - 1] === 0x0d) end--
        const slice = body.subarray(start, end)
        if (slice.some((b) => b !== 0x20 && b !== 0x09)) add(slice, line)
        start = i + 1
        line++
      }
    }
  } else {
    for (const e of splitPlainTextEvents(body.toString('utf8'))) add(Buffer.from(e.text, 'utf8'), e.firstLine)
  }
  const r = await pipeline.ingest(records, signal)
  return { accepted: records.length - r.dropped, rejected, dropped: r.dropped, errors }
}
