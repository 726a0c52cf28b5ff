/**
 * The one storage seam. Every persistent feature (log records, alerts, the
 * notification outbox, audit events, metric history, leases) goes through it,
 * so the embedded SQLite store and Elasticsearch are interchangeable and held
 * to one contract test suite (test/contract/store-contract.ts).
 */

/** JSON that can be stored. */
export type DocBody = Record<string, unknown>

/** A collection declares which body fields are filterable and which are full-text searchable. */
export interface CollectionSpec {
  readonly name: string
  /** Dotted paths into the body, filterable by exact value (keyword in ES, indexed column in SQLite). */
  readonly keywords: readonly string[]
  /** Dotted paths holding text searched by `text` queries. */
  readonly text?: readonly string[]
  /** Dotted paths holding numbers (range filters, aggregations-to-come). */
  readonly numbers?: readonly string[]
  /** Elasticsearch only: one index per UTC day (`<prefix>-<name>-YYYY.MM.DD`), dropped whole by retention. */
  readonly daily?: boolean
}

export interface StoredDoc<T extends DocBody = DocBody> {
  readonly id: string
  /** Epoch milliseconds; what time ranges and retention look at. */
  readonly timestamp: number
  /** Opaque token for compare-and-set; changes on every write. */
  readonly version: string
  readonly body: T
  /** Fragments of the text field with matches wrapped in <em></em>, when asked for. */
  readonly highlight?: string
}

export interface NewDoc<T extends DocBody = DocBody> {
  readonly id: string
  readonly timestamp: number
  readonly body: T
}

export type WriteMode =
  /** First write wins; a redelivered id is counted as a duplicate, not rewritten. */
  | 'create'
  /** Last write wins. */
  | 'upsert'
  /**
   * Last write wins, except over a document stamped (`fence: { key, epoch }`, src/ha/fence.ts) with a newer
   * epoch of the same lease than the one written: that one stays, and the write is counted in `fenced`. This
   * is how a batch of incident writes from a paused old owner is refused by the store itself.
   */
  | 'fenced'

/** Where a document keeps the stamp `{ key, epoch }` of the lease it was written under ('fenced' writes, src/ha/fence.ts). */
export const FENCE_FIELD = 'fence'

export interface WriteResult {
  written: number
  duplicates: number
  /** Documents the store refused (mapping errors and the like), with the reason. */
  failed: { id: string; reason: string; retriable: boolean }[]
  /** 'fenced' mode: documents kept as they were because a newer epoch of their lease wrote them. */
  fenced?: number
}

export type FieldValue = string | number | boolean

/** Full-text clause, as produced by the log query parser. */
export interface TextClause {
  readonly kind: 'term' | 'phrase'
  readonly value: string
}

export interface Query {
  /** Exact matches: field → value or any of values. */
  readonly where?: Readonly<Record<string, FieldValue | readonly FieldValue[]>>
  /** Exclusions: field → value or any of values. */
  readonly whereNot?: Readonly<Record<string, FieldValue | readonly FieldValue[]>>
  /** Numeric ranges on declared number fields, inclusive. */
  readonly range?: Readonly<Record<string, { gte?: number; lte?: number }>>
  /** Inclusive lower and exclusive upper bound on the timestamp. */
  readonly from?: number
  readonly to?: number
  /** Every `must` clause matches the text fields; no `mustNot` clause does. */
  readonly text?: { readonly must: readonly TextClause[]; readonly mustNot: readonly TextClause[] }
  readonly order?: 'asc' | 'desc'
  readonly limit?: number
  /** Returned as nextCursor by the previous page; paging is by (timestamp, id), stable under concurrent writes. */
  readonly cursor?: string
  readonly highlight?: boolean
  /** Count every match (slower); otherwise total is the count up to a bound the store picks. */
  readonly exactTotal?: boolean
  /** Body paths the caller reads; a store may leave the others out (Elasticsearch sends less). */
  readonly fields?: readonly string[]
}

export interface QueryResult<T extends DocBody = DocBody> {
  docs: StoredDoc<T>[]
  total: number
  nextCursor: string | null
}

export type CasResult<T extends DocBody = DocBody> =
  | { ok: true; doc: StoredDoc<T> }
  | { ok: false; current: StoredDoc<T> | undefined }

export interface StoreHealth {
  ok: boolean
  detail: string
}

export interface Store {
  readonly kind: 'embedded' | 'elasticsearch'
  /** Creates tables / index templates; safe to call again. */
  init(collections: readonly CollectionSpec[]): Promise<void>
  health(): Promise<StoreHealth>
  write(collection: string, docs: readonly NewDoc[], mode?: WriteMode): Promise<WriteResult>
  get<T extends DocBody = DocBody>(collection: string, id: string): Promise<StoredDoc<T> | undefined>
  /** The documents of these ids that exist, in one round trip (realtime, like `get`); order not kept. */
  getMany<T extends DocBody = DocBody>(collection: string, ids: readonly string[]): Promise<StoredDoc<T>[]>
  /**
   * Writes only if the stored version is `expected` (null: only if absent).
   * This is how leases and single-flight restarts work across instances.
   */
  compareAndSet<T extends DocBody = DocBody>(collection: string, doc: NewDoc<T>, expected: string | null): Promise<CasResult<T>>
  query<T extends DocBody = DocBody>(collection: string, query: Query): Promise<QueryResult<T>>
  delete(collection: string, id: string): Promise<boolean>
  /** Retention: removes documents with timestamp < cutoff; returns how many (or indices) went. */
  deleteOlderThan(collection: string, cutoff: number): Promise<number>
  /** Makes recent writes visible to queries (a no-op where they already are). */
  refresh(collection: string): Promise<void>
  close(): Promise<void>
}

export const DEFAULT_LIMIT = 100
export const MAX_LIMIT = 10_000

/**
 * Cursor: `<timestamp>.<base64url of id>` of the last document of a page. Every string matching
 * CURSOR_PATTERN decodes (paging after any (timestamp, id) is well defined), so the API can declare the
 * pattern and accept exactly what it declares.
 */
export const CURSOR_PATTERN = '^-?[0-9]{1,16}\\.[A-Za-z0-9_-]{0,1400}$'
const CURSOR_RE = new RegExp(CURSOR_PATTERN)

export function encodeCursor(timestamp: number, id: string): string {
  return `${timestamp}.${Buffer.from(id).toString('base64url')}`
}

export function decodeCursor(cursor: string): { timestamp: number; id: string } | undefined {
  if (!CURSOR_RE.test(cursor)) return undefined
  const dot = cursor.indexOf('.')
  const timestamp = Number(cursor.slice(0, dot))
  if (!Number.isSafeInteger(timestamp)) return undefined
  return { timestamp, id: Buffer.from(cursor.slice(dot + 1), 'base64url').toString('utf8') }
}

/** Split paths, cached: the same few paths are read for every document of a page (100,000 lines for patterns). */
const PATH_PARTS = new Map<string, readonly string[]>()
const MAX_CACHED_PATHS = 1000

function pathParts(path: string): readonly string[] {
  let parts = PATH_PARTS.get(path)
  if (!parts) {
    parts = path.split('.')
    if (PATH_PARTS.size < MAX_CACHED_PATHS) PATH_PARTS.set(path, parts)
  }
  return parts
}

/** Reads a dotted path ("log.level") from a body, accepting both nested objects and dotted keys. */
export function getPath(body: DocBody, path: string): unknown {
  if (path in body) return body[path]
  let cur: unknown = body
  for (const part of pathParts(path)) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[part]
  }
  return cur
}

export function asArray<T>(v: T | readonly T[]): readonly T[] {
  return Array.isArray(v) ? (v as readonly T[]) : [v as T]
}
