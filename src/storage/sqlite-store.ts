import { mkdirSync, accessSync, constants, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { AppError, errorMessage } from '../core/errors.js'
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  asArray,
  decodeCursor,
  FENCE_FIELD,
  encodeCursor,
  getPath,
  type CasResult,
  type CollectionSpec,
  type DocBody,
  type FieldValue,
  type NewDoc,
  type Query,
  type QueryResult,
  type Store,
  type StoreHealth,
  type StoredDoc,
  type TextClause,
  type WriteMode,
  type WriteResult,
} from './store.js'
import { highlighter } from './highlight.js'

interface Table {
  spec: CollectionSpec
  /** body path → column name */
  columns: Map<string, string>
  name: string
  fts: string | undefined
}

interface Row {
  rowid: number
  id: string
  ts: number
  version: number
  body: string
}

const SQL_VALUE = (v: unknown): string | number | null => {
  if (typeof v === 'string' || typeof v === 'number') return v
  if (typeof v === 'boolean') return v ? 1 : 0
  return null
}

/**
 * The embedded store: one SQLite file (WAL) with a table per collection,
 * an indexed column per keyword field and a contentless FTS5 table for text.
 */
/** Documents per write transaction: about 30 ms of a busy event loop on a small machine. */
const WRITE_CHUNK = 500

/** 'fenced' writes keep a row a newer epoch of the same lease wrote (the stamp is the body's `fence`). */
const FENCED_WHERE = `WHERE json_extract(body, '$.${FENCE_FIELD}.key') IS NOT json_extract(excluded.body, '$.${FENCE_FIELD}.key')
  OR NOT (json_extract(body, '$.${FENCE_FIELD}.epoch') > json_extract(excluded.body, '$.${FENCE_FIELD}.epoch'))`

export class SqliteStore implements Store {
  readonly kind = 'embedded' as const
  private readonly db: Database.Database
  private readonly tables = new Map<string, Table>()
  /** Prepared write transactions per table (a table re-created by init gets its own) and mode. */
  private readonly writers = new WeakMap<Table, Map<WriteMode, (docs: readonly NewDoc[], result: WriteResult) => void>>()

  private constructor(db: Database.Database, private readonly lock?: Database.Database) {
    this.db = db
  }

  /**
   * Opens (creating) the store in directory `path`, holding its lock for the life of the store: a second
   * process on the same directory would double-poll and double-send, so it is refused with a clear message.
   * `inspect` opens without the lock, for tools and tests reading a running instance's file; never serve from it.
   */
  static open(path: string, opts: { inspect?: boolean } = {}): SqliteStore {
    const dir = resolve(path)
    try {
      mkdirSync(dir, { recursive: true })
      accessSync(dir, constants.W_OK)
    } catch (err) {
      throw new AppError('ERR_STORE', `storage.path ${dir} is not a writable directory: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`, {
        retriable: false,
      })
    }
    const lock = opts.inspect ? undefined : takeLock(dir)
    let db: Database.Database
    try {
      db = new Database(join(dir, 'flinkwatch.db'))
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      // Tools opened with `inspect` may read while the service writes; wait instead of failing on a busy file.
      db.pragma('busy_timeout = 5000')
    } catch (err) {
      lock?.close()
      throw new AppError('ERR_STORE', `cannot open embedded store in ${dir}: ${errorMessage(err)}`, { retriable: false })
    }
    return new SqliteStore(db, lock)
  }

  static memory(): SqliteStore {
    return new SqliteStore(new Database(':memory:'))
  }

  async init(collections: readonly CollectionSpec[]): Promise<void> {
    for (const spec of collections) this.createTable(spec)
  }

  private createTable(spec: CollectionSpec): void {
    if (!/^[a-z][a-z0-9_]*$/.test(spec.name)) throw new AppError('ERR_STORE', `bad collection name ${spec.name}`, { retriable: false })
    const name = `c_${spec.name}`
    const columns = new Map<string, string>()
    ;[...spec.keywords, ...(spec.numbers ?? [])].forEach((path, i) => columns.set(path, `f${i}`))
    const colDefs = [...columns.values()].map((c) => `, ${c}`).join('')
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${name} (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL${colDefs})`)
    // Columns added to a spec after the table existed.
    const existing = new Set((this.db.prepare(`PRAGMA table_info(${name})`).all() as { name: string }[]).map((r) => r.name))
    for (const c of columns.values()) if (!existing.has(c)) this.db.exec(`ALTER TABLE ${name} ADD COLUMN ${c}`)
    this.db.exec(`CREATE INDEX IF NOT EXISTS ${name}_ts ON ${name}(ts, id)`)
    for (const c of columns.values()) this.db.exec(`CREATE INDEX IF NOT EXISTS ${name}_${c} ON ${name}(${c}, ts)`)
    let fts: string | undefined
    if (spec.text && spec.text.length > 0) {
      fts = `t_${spec.name}`
      const cols = spec.text.map((_, i) => `t${i}`).join(', ')
      this.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${fts} USING fts5(${cols}, content='', contentless_delete=1, tokenize='unicode61')`)
    }
    this.tables.set(spec.name, { spec, columns, name, fts })
  }

  private table(collection: string): Table {
    const t = this.tables.get(collection)
    if (!t) throw new AppError('ERR_STORE', `unknown collection ${collection}`, { retriable: false })
    return t
  }

  async health(): Promise<StoreHealth> {
    try {
      this.db.prepare('SELECT 1').get()
      return { ok: true, detail: 'embedded (SQLite) store open' }
    } catch (err) {
      return { ok: false, detail: errorMessage(err) }
    }
  }

  async write(collection: string, docs: readonly NewDoc[], mode: WriteMode = 'upsert'): Promise<WriteResult> {
    const t = this.table(collection)
    const result: WriteResult = { written: 0, duplicates: 0, failed: [] }
    const run = this.writer(t, mode)
    for (let i = 0; i < docs.length; i += WRITE_CHUNK) {
      // A large batch (a poll of 10,000 jobs' history) is several transactions with the event loop let run
      // between them, so API requests and the WebSocket are not held up for the whole batch.
      if (i > 0) await new Promise<void>((r) => setImmediate(r))
      try {
        run(docs.slice(i, i + WRITE_CHUNK), result)
      } catch (err) {
        throw new AppError('ERR_STORE', `embedded store write failed: ${errorMessage(err)}`, { cause: err })
      }
    }
    return result
  }

  /** The transaction writing one chunk of documents in `mode`, its statements prepared once per table and mode. */
  private writer(t: Table, mode: WriteMode): (docs: readonly NewDoc[], result: WriteResult) => void {
    let byMode = this.writers.get(t)
    if (!byMode) this.writers.set(t, (byMode = new Map()))
    const cached = byMode.get(mode)
    if (cached) return cached
    const cols = [...t.columns.entries()]
    const colNames = cols.map(([, c]) => `, ${c}`).join('')
    const colParams = cols.map(() => ', ?').join('')
    const insert = this.db.prepare(
      mode === 'create'
        ? `INSERT INTO ${t.name} (id, ts, version, body${colNames}) VALUES (?, ?, 1, ?${colParams}) ON CONFLICT(id) DO NOTHING RETURNING rowid`
        : `INSERT INTO ${t.name} (id, ts, version, body${colNames}) VALUES (?, ?, 1, ?${colParams})
           ON CONFLICT(id) DO UPDATE SET ts = excluded.ts, version = version + 1, body = excluded.body${cols.map(([, c]) => `, ${c} = excluded.${c}`).join('')}
           ${mode === 'fenced' ? FENCED_WHERE : ''}
           RETURNING rowid`,
    )
    const ftsDelete = t.fts ? this.db.prepare(`DELETE FROM ${t.fts} WHERE rowid = ?`) : undefined
    const ftsInsert = t.fts ? this.db.prepare(`INSERT INTO ${t.fts} (rowid, ${t.spec.text!.map((_, i) => `t${i}`).join(', ')}) VALUES (?${t.spec.text!.map(() => ', ?').join('')})`) : undefined
    const run = this.db.transaction((docs: readonly NewDoc[], result: WriteResult) => {
      for (const d of docs) {
        let json: string
        try {
          json = JSON.stringify(d.body)
        } catch (err) {
          result.failed.push({ id: d.id, reason: `not serialisable: ${errorMessage(err)}`, retriable: false })
          continue
        }
        const row = insert.get(d.id, Math.trunc(d.timestamp), json, ...cols.map(([path]) => SQL_VALUE(getPath(d.body, path)))) as { rowid: number } | undefined
        if (!row) {
          if (mode === 'fenced') result.fenced = (result.fenced ?? 0) + 1
          else result.duplicates++
          continue
        }
        result.written++
        if (ftsInsert && ftsDelete) {
          if (mode !== 'create') ftsDelete.run(row.rowid)
          ftsInsert.run(row.rowid, ...t.spec.text!.map((p) => textOf(getPath(d.body, p))))
        }
      }
    })
    const write = (docs: readonly NewDoc[], result: WriteResult): void => void run(docs, result)
    byMode.set(mode, write)
    return write
  }

  async get<T extends DocBody = DocBody>(collection: string, id: string): Promise<StoredDoc<T> | undefined> {
    const t = this.table(collection)
    const row = this.db.prepare(`SELECT rowid, id, ts, version, body FROM ${t.name} WHERE id = ?`).get(id) as Row | undefined
    return row ? toDoc<T>(row) : undefined
  }

  async getMany<T extends DocBody = DocBody>(collection: string, ids: readonly string[]): Promise<StoredDoc<T>[]> {
    const t = this.table(collection)
    const out: StoredDoc<T>[] = []
    // SQLite's default limit on bound parameters is 32,766; stay well under it.
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500)
      const rows = this.db.prepare(`SELECT rowid, id, ts, version, body FROM ${t.name} WHERE id IN (${part.map(() => '?').join(',')})`).all(...part) as Row[]
      for (const row of rows) out.push(toDoc<T>(row))
    }
    return out
  }

  async compareAndSet<T extends DocBody = DocBody>(collection: string, doc: NewDoc<T>, expected: string | null): Promise<CasResult<T>> {
    const t = this.table(collection)
    const tx = this.db.transaction((): CasResult<T> => {
      const row = this.db.prepare(`SELECT rowid, id, ts, version, body FROM ${t.name} WHERE id = ?`).get(doc.id) as Row | undefined
      const current = row ? toDoc<T>(row) : undefined
      if ((current?.version ?? null) !== expected) return { ok: false, current }
      const cols = [...t.columns.entries()]
      const values = cols.map(([path]) => SQL_VALUE(getPath(doc.body, path)))
      const version = row ? row.version + 1 : 1
      const json = JSON.stringify(doc.body)
      let rowid: number
      if (row) {
        this.db.prepare(`UPDATE ${t.name} SET ts = ?, version = ?, body = ?${cols.map(([, c]) => `, ${c} = ?`).join('')} WHERE rowid = ?`).run(Math.trunc(doc.timestamp), version, json, ...values, row.rowid)
        rowid = row.rowid
      } else {
        const r = this.db
          .prepare(`INSERT INTO ${t.name} (id, ts, version, body${cols.map(([, c]) => `, ${c}`).join('')}) VALUES (?, ?, ?, ?${cols.map(() => ', ?').join('')})`)
          .run(doc.id, Math.trunc(doc.timestamp), version, json, ...values)
        rowid = Number(r.lastInsertRowid)
      }
      if (t.fts && t.spec.text) {
        this.db.prepare(`DELETE FROM ${t.fts} WHERE rowid = ?`).run(rowid)
        this.db.prepare(`INSERT INTO ${t.fts} (rowid, ${t.spec.text.map((_, i) => `t${i}`).join(', ')}) VALUES (?${t.spec.text.map(() => ', ?').join('')})`).run(rowid, ...t.spec.text.map((p) => textOf(getPath(doc.body, p))))
      }
      return { ok: true, doc: { id: doc.id, timestamp: Math.trunc(doc.timestamp), version: String(version), body: doc.body } }
    })
    return tx.immediate()
  }

  async query<T extends DocBody = DocBody>(collection: string, q: Query): Promise<QueryResult<T>> {
    const t = this.table(collection)
    const where: string[] = []
    const params: (string | number)[] = []
    const col = (path: string): string => {
      const c = t.columns.get(path)
      if (!c) throw new AppError('ERR_BAD_REQUEST', `field ${path} is not filterable in ${collection}`, { retriable: false })
      return c
    }
    const inList = (values: readonly FieldValue[]): string => {
      for (const v of values) params.push(typeof v === 'boolean' ? (v ? 1 : 0) : v)
      return values.map(() => '?').join(', ')
    }
    for (const [path, v] of Object.entries(q.where ?? {})) where.push(`${col(path)} IN (${inList(asArray(v))})`)
    for (const [path, v] of Object.entries(q.whereNot ?? {})) where.push(`(${col(path)} IS NULL OR ${col(path)} NOT IN (${inList(asArray(v))}))`)
    for (const [path, r] of Object.entries(q.range ?? {})) {
      if (r.gte !== undefined) (where.push(`${col(path)} >= ?`), params.push(r.gte))
      if (r.lte !== undefined) (where.push(`${col(path)} <= ?`), params.push(r.lte))
    }
    if (q.from !== undefined) (where.push('ts >= ?'), params.push(q.from))
    if (q.to !== undefined) (where.push('ts < ?'), params.push(q.to))
    if (q.text && (q.text.must.length > 0 || q.text.mustNot.length > 0)) {
      if (!t.fts) throw new AppError('ERR_BAD_REQUEST', `${collection} has no text fields`, { retriable: false })
      if (q.text.must.length > 0) (where.push(`rowid IN (SELECT rowid FROM ${t.fts} WHERE ${t.fts} MATCH ?)`), params.push(q.text.must.map(ftsClause).join(' AND ')))
      if (q.text.mustNot.length > 0) (where.push(`rowid NOT IN (SELECT rowid FROM ${t.fts} WHERE ${t.fts} MATCH ?)`), params.push(q.text.mustNot.map(ftsClause).join(' OR ')))
    }
    const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
    const countParams = [...params]
    const desc = (q.order ?? 'desc') === 'desc'
    let cursorSql = ''
    if (q.cursor) {
      const c = decodeCursor(q.cursor)
      if (!c) throw new AppError('ERR_BAD_REQUEST', 'invalid cursor', { retriable: false })
      cursorSql = `${where.length > 0 ? ' AND' : 'WHERE'} (ts ${desc ? '<' : '>'} ? OR (ts = ? AND id ${desc ? '<' : '>'} ?))`
      params.push(c.timestamp, c.timestamp, c.id)
    }
    const limit = Math.min(Math.max(q.limit ?? DEFAULT_LIMIT, 0), MAX_LIMIT)
    const dir = desc ? 'DESC' : 'ASC'
    let rows: Row[]
    let total: number
    try {
      rows = this.db.prepare(`SELECT rowid, id, ts, version, body FROM ${t.name} ${whereSql}${cursorSql} ORDER BY ts ${dir}, id ${dir} LIMIT ?`).all(...params, limit + 1) as Row[]
      const bound = q.exactTotal ? -1 : MAX_LIMIT
      total = (this.db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM ${t.name} ${whereSql} LIMIT ?)`).get(...countParams, bound) as { n: number }).n
    } catch (err) {
      if (err instanceof Error && /fts5|MATCH/i.test(err.message)) throw new AppError('ERR_BAD_REQUEST', `bad text query: ${err.message}`, { retriable: false })
      throw new AppError('ERR_STORE', `embedded store query failed: ${errorMessage(err)}`, { cause: err })
    }
    const more = rows.length > limit
    if (more) rows.pop()
    const textField = t.spec.text?.[0]
    const hl = q.highlight && q.text && textField ? highlighter(q.text.must) : undefined
    const docs = rows.map((r) => {
      const d = toDoc<T>(r)
      const highlight = hl && textField ? hl(textOf(getPath(d.body, textField))) : undefined
      return highlight === undefined ? d : { ...d, highlight }
    })
    const last = docs[docs.length - 1]
    return { docs, total, nextCursor: more && last ? encodeCursor(last.timestamp, last.id) : null }
  }

  async delete(collection: string, id: string): Promise<boolean> {
    const t = this.table(collection)
    const tx = this.db.transaction(() => {
      const row = this.db.prepare(`SELECT rowid FROM ${t.name} WHERE id = ?`).get(id) as { rowid: number } | undefined
      if (!row) return false
      if (t.fts) this.db.prepare(`DELETE FROM ${t.fts} WHERE rowid = ?`).run(row.rowid)
      this.db.prepare(`DELETE FROM ${t.name} WHERE rowid = ?`).run(row.rowid)
      return true
    })
    return tx()
  }

  async deleteOlderThan(collection: string, cutoff: number): Promise<number> {
    const t = this.table(collection)
    let total = 0
    // Chunks keep each transaction short so ingestion is not blocked for long.
    for (;;) {
      const n = this.db.transaction(() => {
        const ids = (this.db.prepare(`SELECT rowid FROM ${t.name} WHERE ts < ? LIMIT 5000`).all(cutoff) as { rowid: number }[]).map((r) => r.rowid)
        if (ids.length === 0) return 0
        const list = ids.join(',')
        if (t.fts) this.db.exec(`DELETE FROM ${t.fts} WHERE rowid IN (${list})`)
        this.db.exec(`DELETE FROM ${t.name} WHERE rowid IN (${list})`)
        return ids.length
      })()
      total += n
      if (n === 0) return total
    }
  }

  async refresh(): Promise<void> {}

  async close(): Promise<void> {
    if (this.db.open) this.db.close()
    if (this.lock?.open) this.lock.close()
  }
}

/**
 * The process lock of an embedded store: an exclusive transaction on flinkwatch.lock, held open. SQLite's
 * file locks are released by the kernel when the process dies (SIGKILL included), so a crash never leaves a
 * stale lock behind, and they also hold between two connections of one process.
 */
function takeLock(dir: string): Database.Database {
  const lock = new Database(join(dir, 'flinkwatch.lock'))
  const pidFile = join(dir, 'flinkwatch.pid')
  try {
    lock.pragma('busy_timeout = 0')
    lock.exec('BEGIN EXCLUSIVE')
  } catch (err) {
    lock.close()
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw new AppError('ERR_STORE', `cannot lock embedded store in ${dir}: ${errorMessage(err)}`, { retriable: false })
    let holder = ''
    try {
      holder = ` (pid ${readFileSync(pidFile, 'utf8').trim()})`
    } catch {
      // the pid file is informative only
    }
    throw new AppError(
      'ERR_STORE',
      `another flinkwatch process${holder} is using the embedded store in ${dir}: the embedded store serves one process; stop the other one, give this one its own storage.path, or run several instances on storage.type elasticsearch with ha.enabled (README "High availability")`,
      { retriable: false },
    )
  }
  try {
    writeFileSync(pidFile, `${process.pid}\n`)
  } catch {
    // informative only: the lock is what counts
  }
  return lock
}

function toDoc<T extends DocBody>(r: Row): StoredDoc<T> {
  return { id: r.id, timestamp: r.ts, version: String(r.version), body: JSON.parse(r.body) as T }
}

function textOf(v: unknown): string {
  if (typeof v === 'string') return v
  if (v === undefined || v === null) return ''
  return String(v)
}

/** A clause as an FTS5 string: terms and phrases both quoted, so user text is never FTS syntax. */
function ftsClause(c: TextClause): string {
  return `"${c.value.replace(/"/g, '""')}"`
}
