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
    // The window is read newest slice first, page by page within a slice: the same lines in the same order
    // (time, then id, descending) as paging through the whole window, but each search only has to sort its
    // slice (Elasticsearch sorted all of a 1M-line window on every page to return the next 10,000).
    const slices = timeSlices(p.from, p.to)
    const page = (slice: number, cursor: string | undefined, limit: number): Promise<QueryResult> =>
      this.store.query(LOGS_COLLECTION, { ...toStoreQuery(parseLogQuery(undefined), p, { from: slices[slice]!.from, to: slices[slice]!.to, limit, cursor }), highlight: false, fields: PATTERN_FIELDS })
    let slice = 0
    let next: Promise<QueryResult> | undefined = page(0, undefined, Math.min(MAX_LIMIT, max))
    while (next) {
      const r: QueryResult = await next
      next = undefined
      const kept = r.docs.filter((d) => !isMarker(d))
      const after = lines + kept.length
      const more: { slice: number; cursor: string | undefined } | undefined = r.nextCursor && r.docs.length > 0 ? { slice, cursor: r.nextCursor } : slice + 1 < slices.length ? { slice: slice + 1, cursor: undefined } : undefined
      // The next page is asked for before this one is grouped, so the store (Elasticsearch's search) and the
      // miner work at the same time; it asks for what is left, exactly as reading page after page would.
      if (more && after < max) {
        slice = more.slice
        next = page(slice, more.cursor, Math.min(MAX_LIMIT, max - after))
      }
      for (const d of kept) miner.add(messageOf(d), d.timestamp, levelOfDoc(d))
      lines = after
      if (!more) break
      if (lines >= max) {
        // Truncated: more lines matched than were read (in this slice, or in an older one).
        truncated = more.cursor !== undefined || (await this.anyBefore(p, slices[slice]!.from, slices.at(-1)!.from))
        break
      }
    }
    return { patterns: miner.patterns(), lines, truncated }
  }

  private async anyBefore(p: PatternParams, to: number | undefined, from: number | undefined): Promise<boolean> {
    if (to === undefined || (from !== undefined && from >= to)) return false
    const r = await this.store.query(LOGS_COLLECTION, { ...toStoreQuery(parseLogQuery(undefined), p, { from, to, limit: 1 }), highlight: false, fields: PATTERN_FIELDS })
    return r.docs.length > 0
  }
}

const SLICES = 16

/** The window as SLICES equal, disjoint [from, to) slices, newest first; an open window is one slice. */
function timeSlices(from: number | undefined, to: number | undefined): { from: number | undefined; to: number | undefined }[] {
  if (from === undefined || to === undefined || to - from < SLICES) return [{ from, to }]
  const bound = (k: number): number => from + Math.floor((k * (to - from)) / SLICES)
  const out: { from: number; to: number }[] = []
  for (let k = SLICES - 1; k >= 0; k--) out.push({ from: bound(k), to: k === SLICES - 1 ? to : bound(k + 1) })
  return out
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
