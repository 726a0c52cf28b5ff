import { BadRequestError, NotFoundError } from '../core/errors.js'
import { decodeCursor, encodeCursor, type Query, type Store } from '../storage/store.js'
import { FIELD, LOGS_COLLECTION, read, toHit, type LogHit } from './document.js'
import { parseLogQuery } from './query/parse.js'
import { toStoreQuery, type LogFilters } from './query/to-store-query.js'

export interface LogSearchParams extends LogFilters {
  q?: string | undefined
  from?: number | undefined
  to?: number | undefined
  limit?: number | undefined
  cursor?: string | undefined
}

export interface LogSearchResult {
  hits: LogHit[]
  total: number
  nextCursor: string | null
}

export const MAX_SEARCH_LIMIT = 1000

/** Log search and context on any Store; newest first, keyset paging on (timestamp, id). */
export class LogSearch {
  constructor(private readonly store: Store) {}

  async search(p: LogSearchParams): Promise<LogSearchResult> {
    if (p.cursor !== undefined && !decodeCursor(p.cursor)) throw new BadRequestError('invalid cursor (use nextCursor from the previous page)')
    // An empty time range matches nothing (not an error: the schema cannot say from < to, so it must be answerable).
    if (p.from !== undefined && p.to !== undefined && p.from >= p.to) return { hits: [], total: 0, nextCursor: null }
    const limit = Math.min(Math.max(p.limit ?? 100, 1), MAX_SEARCH_LIMIT)
    const query = toStoreQuery(parseLogQuery(p.q), p, { from: p.from, to: p.to, limit, cursor: p.cursor })
    const r = await this.store.query(LOGS_COLLECTION, query)
    return { hits: r.docs.map(toHit), total: r.total, nextCursor: r.nextCursor }
  }

  /** The hit and the lines logged just before and after it by the same TaskManager (oldest first). */
  async context(id: string, before: number, after: number): Promise<{ hit: LogHit; before: LogHit[]; after: LogHit[] }> {
    const doc = await this.store.get(LOGS_COLLECTION, id)
    if (!doc) throw new NotFoundError(`no log line ${id}`)
    const tm = read(doc.body, FIELD.taskManager)
    const cluster = read(doc.body, FIELD.cluster)
    const where: Record<string, string> = {}
    if (typeof tm === 'string') where[FIELD.taskManager] = tm
    if (typeof cluster === 'string') where[FIELD.cluster] = cluster
    const cursor = encodeCursor(doc.timestamp, doc.id)
    const base: Query = { ...(Object.keys(where).length > 0 ? { where } : {}), cursor }
    const [older, newer] = await Promise.all([
      before > 0 ? this.store.query(LOGS_COLLECTION, { ...base, order: 'desc', limit: before }) : undefined,
      after > 0 ? this.store.query(LOGS_COLLECTION, { ...base, order: 'asc', limit: after }) : undefined,
    ])
    return { hit: toHit(doc), before: (older?.docs ?? []).map(toHit).reverse(), after: (newer?.docs ?? []).map(toHit) }
  }
}
