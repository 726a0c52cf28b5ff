/**
 * Error patterns of a window: the log lines the store holds for a cluster/job/level and time range,
 * read through the Store seam (so it works on SQLite and Elasticsearch alike), grouped into
 * templates by the miner. At most `maxLines` newest lines are read; `truncated` says so.
 */
import type { Store } from '../../storage/store.js'
import { MAX_LIMIT } from '../../storage/store.js'
import { FIELD, LOGS_COLLECTION, fromDocument, read } from '../document.js'
import { parseLogQuery } from '../query/parse.js'
import { toStoreQuery, type LogFilters } from '../query/to-store-query.js'
import { TemplateMiner, type LogPattern } from './miner.js'

export interface PatternParams extends LogFilters {
  from?: number | undefined
  to?: number | undefined
  /** Lines read at most (newest first). */
  maxLines?: number | undefined
}

export interface PatternResult {
  patterns: LogPattern[]
  /** Lines grouped. */
  lines: number
  /** More lines matched than were read. */
  truncated: boolean
}

export const DEFAULT_PATTERN_LINES = 100_000
/** What grouping reads of a line: its text, level and whether it is a marker. */
const PATTERN_FIELDS = [FIELD.message, FIELD.level, FIELD.kind, 'flinkwatch.marker']
export const MAX_PATTERN_LINES = 1_000_000

export class LogPatterns {
  constructor(private readonly store: Store) {}

  async patterns(p: PatternParams): Promise<PatternResult> {
    // An empty window has no lines (as in the log search), not a client error.
    if (p.from !== undefined && p.to !== undefined && p.from >= p.to) return { patterns: [], lines: 0, truncated: false }
    const max = Math.min(Math.max(p.maxLines ?? DEFAULT_PATTERN_LINES, 1), MAX_PATTERN_LINES)
    const miner = new TemplateMiner()
    let lines = 0
    let cursor: string | undefined
    let truncated = false
    for (;;) {
      const limit = Math.min(MAX_LIMIT, max - lines)
      const q = { ...toStoreQuery(parseLogQuery(undefined), p, { from: p.from, to: p.to, limit, cursor }), highlight: false, fields: PATTERN_FIELDS }
      const r = await this.store.query(LOGS_COLLECTION, q)
      for (const d of r.docs) {
        const rec = fromDocument(d)
        if (rec.marker || read(d.body, FIELD.kind) === 'marker') continue
        miner.add(rec.message, rec.timestamp, rec.level)
        lines++
      }
      if (!r.nextCursor || r.docs.length === 0) break
      if (lines >= max) {
        truncated = true
        break
      }
      cursor = r.nextCursor
    }
    return { patterns: miner.patterns(), lines, truncated }
  }
}
