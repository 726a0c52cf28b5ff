/**
 * Error patterns of a window: the log lines the store holds for a cluster/job/level and time range,
 * read through the Store seam (so it works on SQLite and Elasticsearch alike), grouped into
 * templates by the miner. At most `maxLines` newest lines are read; `truncated` says so.
 *
 * How it reads (issue 11: 100,000 lines in ≤ 2 s on both stores). Each page of a newest-first read makes
 * Elasticsearch sort every match of its range, so reading the newest 100,000 of a million lines as ten pages
 * over the whole window sorts the million ten times, one page after the other. Instead:
 * 1. Counts (cheap on both stores) find a start `lo` such that [lo, to) holds at least `maxLines` matches but
 *    not many more; older lines cannot be among the newest `maxLines`.
 * 2. [lo, to) is cut into time chunks of about one page each, read newest chunk first, several chunks at once
 *    (each chunk page by page), so the store sorts only its chunk and works while the miner groups.
 * 3. The miner gets the lines in exactly the order one newest-first pass would give (chunks are disjoint
 *    time ranges, each read newest first), so templates, counts, first/last seen and examples are the same.
 * Should [lo, to) hold fewer lines than counted (markers are not lines; lines may be deleted meanwhile), the
 * older part [from, lo) is read on, page by page, as before.
 */
import type { Query, QueryResult, Store, StoredDoc } from '../../storage/store.js'
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

export interface PatternReadOptions {
  /** Chunks read at the same time (1: one after the other). */
  concurrency?: number
  /** Matches a chunk is cut to hold (about one store page). */
  chunkLines?: number
}

export const DEFAULT_PATTERN_LINES = 100_000
/** What grouping reads of a line: its text, level and whether it is a marker. */
const PATTERN_FIELDS = [FIELD.message, FIELD.level, FIELD.kind, 'flinkwatch.marker']
export const MAX_PATTERN_LINES = 1_000_000
/** Two or three chunks at once keep a 2-core Elasticsearch busy while the miner groups; more only queue. */
const DEFAULT_CONCURRENCY = 3
/** Counts spent placing `lo` once a span holding maxLines is found; the search stops at the first good enough one. */
const MAX_COUNTS = 8
/** The first span counted is this share of the window; spans double from there. */
const FIRST_SPAN_PARTS = 64
/** [lo, to) may hold up to this share more than maxLines: those extra lines are read and not grouped. */
const SLACK = 0.05

interface Range {
  from: number
  to: number
}

export class LogPatterns {
  private readonly concurrency: number
  private readonly chunkLines: number

  constructor(
    private readonly store: Store,
    o: PatternReadOptions = {},
  ) {
    this.concurrency = Math.max(1, o.concurrency ?? DEFAULT_CONCURRENCY)
    this.chunkLines = Math.max(1, Math.min(o.chunkLines ?? MAX_LIMIT, MAX_LIMIT))
  }

  async patterns(p: PatternParams): Promise<PatternResult> {
    // An empty window has no lines (as in the log search), not a client error.
    if (p.from !== undefined && p.to !== undefined && p.from >= p.to) return { patterns: [], lines: 0, truncated: false }
    const max = Math.min(Math.max(p.maxLines ?? DEFAULT_PATTERN_LINES, 1), MAX_PATTERN_LINES)
    const q = (from: number | undefined, to: number | undefined, limit: number, cursor?: string): Query => ({
      ...toStoreQuery(parseLogQuery(undefined), p, { from, to, limit, cursor }),
      highlight: false,
      fields: PATTERN_FIELDS,
    })
    const page = (from: number | undefined, to: number | undefined, limit: number, cursor?: string): Promise<QueryResult> => this.store.query(LOGS_COLLECTION, q(from, to, limit, cursor))
    const count = async (from: number | undefined, to: number | undefined): Promise<number> => (await this.store.query(LOGS_COLLECTION, { ...q(from, to, 0), exactTotal: true })).total
    const miner = new TemplateMiner()
    let lines = 0
    let truncated = false
    const add = (d: StoredDoc): void => {
      miner.add(messageOf(d), d.timestamp, levelOfDoc(d))
      lines++
    }
    const result = (): PatternResult => ({ patterns: miner.patterns(), lines, truncated })

    let older: Range | undefined
    if (p.from !== undefined && p.to !== undefined) {
      const from = p.from
      const start = await this.findStart(from, p.to, max, count)
      const chunks = splitRange({ from: start.lo, to: p.to }, Math.ceil(start.n / this.chunkLines))
      // Newest chunk first; while one is grouped, the next ones (concurrency in all) are being read.
      const readers: ChunkReader[] = []
      for (let i = 0; i < chunks.length; i++) {
        while (readers.length < Math.min(i + this.concurrency, chunks.length)) {
          const c = chunks[readers.length]!
          readers.push(new ChunkReader((cursor) => page(c.from, c.to, this.chunkLines, cursor)))
        }
        for (let r = await readers[i]!.next(); r; r = await readers[i]!.next()) {
          for (const d of r.docs) {
            if (lines >= max) {
              truncated = true
              return result()
            }
            if (!isMarker(d)) add(d)
          }
        }
        if (lines >= max) {
          // The cap was reached with this chunk's last document: truncated if anything older matched.
          truncated = (await page(from, chunks[i]!.from, 1)).docs.length > 0
          return result()
        }
      }
      // Fewer lines in [lo, to) than counted: go on with what is older.
      if (start.lo <= from) return result()
      older = { from, to: start.lo }
    }
    // The older part (or, with an open window, everything) page by page, newest first.
    const oFrom = older ? older.from : p.from
    const oTo = older ? older.to : p.to
    let next: Promise<QueryResult> | undefined = page(oFrom, oTo, Math.min(MAX_LIMIT, max - lines))
    while (next) {
      const r: QueryResult = await next
      next = undefined
      const kept = r.docs.filter((d) => !isMarker(d))
      const after = lines + kept.length
      // The next page is asked for before this one is grouped, so the store and the miner work at the same
      // time; it asks for what is left, exactly as reading page after page would.
      if (r.nextCursor && r.docs.length > 0 && after < max) next = page(oFrom, oTo, Math.min(MAX_LIMIT, max - after), r.nextCursor)
      for (const d of kept) add(d)
      if (!r.nextCursor || r.docs.length === 0) break
      if (lines >= max) {
        truncated = true
        break
      }
    }
    return result()
  }

  /**
   * A start lo with count([lo, to)) ≥ max (or from, when the whole window holds fewer), as close to max as a few
   * counts find. Spans back from `to` double until one holds max (counting the whole window first would make
   * SQLite count every match: 0.1 s for a million lines), then the cut is placed by interpolation between the
   * last two counts, bisecting when that lands on an end. Lines older than lo cannot be among the newest max.
   */
  private async findStart(from: number, to: number, max: number, count: (from: number, to: number) => Promise<number>): Promise<{ lo: number; n: number }> {
    // Invariant: count([newer, to)) = nNewer < max; once found, count([older, to)) = nOlder ≥ max.
    let newer = to
    let nNewer = 0
    let w = Math.max(1, Math.floor((to - from) / FIRST_SPAN_PARTS))
    let older: number
    let nOlder: number
    for (;;) {
      const g = Math.max(from, to - w)
      const n = await count(g, to)
      if (n >= max) {
        older = g
        nOlder = n
        break
      }
      if (g <= from) return { lo: from, n }
      newer = g
      nNewer = n
      w *= 2
    }
    for (let i = 0; i < MAX_COUNTS && nOlder > max * (1 + SLACK) && newer - older > 1; i++) {
      // Where max * (1 + SLACK / 2) lines would start if lines were spread evenly between older and newer.
      const want = max * (1 + SLACK / 2)
      let g = newer - Math.ceil(((newer - older) * (want - nNewer)) / (nOlder - nNewer))
      if (!(g > older && g < newer)) g = older + Math.floor((newer - older) / 2)
      const n = await count(g, to)
      if (n >= max) {
        older = g
        nOlder = n
      } else {
        newer = g
        nNewer = n
      }
    }
    return { lo: older, n: nOlder }
  }
}

/** One chunk's pages, newest first: the first is asked for at once, each next one as soon as the one before arrives. */
class ChunkReader {
  private pending: Promise<QueryResult> | undefined
  constructor(private readonly read: (cursor: string | undefined) => Promise<QueryResult>) {
    this.pending = this.ask(undefined)
  }

  async next(): Promise<QueryResult | undefined> {
    const p = this.pending
    if (!p) return undefined
    const r = await p
    this.pending = r.nextCursor && r.docs.length > 0 ? this.ask(r.nextCursor) : undefined
    return r
  }

  private ask(cursor: string | undefined): Promise<QueryResult> {
    const p = this.read(cursor)
    // A chunk read ahead and never awaited (the cap was reached first) must not be an unhandled rejection.
    p.catch(() => undefined)
    return p
  }
}

/** [from, to) cut into n time ranges of equal length, newest first. */
export function splitRange(r: Range, n: number): Range[] {
  const parts = Math.max(1, Math.min(n, r.to - r.from))
  const out: Range[] = []
  for (let i = 0; i < parts; i++) {
    const to = r.to - Math.floor(((r.to - r.from) * i) / parts)
    const from = r.to - Math.floor(((r.to - r.from) * (i + 1)) / parts)
    out.push({ from, to })
  }
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
