/**
 * Error patterns of a window: the log lines the store holds for a cluster/job/level and time range,
 * read through the Store seam (so it works on SQLite and Elasticsearch alike), grouped into
 * templates by the miner. At most `maxLines` newest lines are read; `truncated` says so.
 */
import type { QueryResult, Store, StoredDoc } from '../../storage/store.js'
import { MAX_LIMIT } from '../../storage/store.js'
import { FIELD, LOGS_COLLECTION, levelOf, read } from '../document.js'
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
    let truncated = false
    const page = (cursor: string | undefined, limit: number): Promise<QueryResult> =>
      this.store.query(LOGS_COLLECTION, { ...toStoreQuery(parseLogQuery(undefined), p, { from: p.from, to: p.to, limit, cursor }), highlight: false, fields: PATTERN_FIELDS })
    let next: Promise<QueryResult> | undefined = page(undefined, Math.min(MAX_LIMIT, max))
    while (next) {
      const r: QueryResult = await next
      next = undefined
      const kept = r.docs.filter((d) => !isMarker(d))
      const after = lines + kept.length
      // The next page is asked for before this one is grouped, so the store (Elasticsearch's search) and the
      // miner work at the same time; it asks for what is left, exactly as reading page after page would.
      if (r.nextCursor && r.docs.length > 0 && after < max) next = page(r.nextCursor, Math.min(MAX_LIMIT, max - after))
      for (const d of kept) miner.add(messageOf(d), d.timestamp, levelOfDoc(d))
      lines = after
      if (!r.nextCursor || r.docs.length === 0) break
      if (lines >= max) {
        truncated = true
        break
      }
    }
    return { patterns: miner.patterns(), lines, truncated }
  }
}

/** What grouping reads of a stored line, without building the whole record (fromDocument reads every field). */
function isMarker(d: StoredDoc): boolean {
  return read(d.body, FIELD.kind) === 'marker' || Boolean(read(d.body, 'flinkwatch.marker'))
}

function messageOf(d: StoredDoc): string {
  const m = read(d.body, FIELD.message)
  return typeof m === 'string' ? m : ''
}

function levelOfDoc(d: StoredDoc): string | null {
  const l = read(d.body, FIELD.level)
  return typeof l === 'string' ? (levelOf(l) ?? null) : null
}
