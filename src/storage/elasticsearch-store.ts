import { Client, errors, type estypes } from '@elastic/elasticsearch'
import type { ElasticsearchStorageConfig } from '../config/sections/storage.js'
import { AppError, redactUrl } from '../core/errors.js'
import { esErrorType, esReason, isStatus, retriableStatus, toAppError } from './es-errors.js'
import { BODY_TS_FIELD, ID_FIELD, TOKEN_SEPARATOR, TOKENS_FIELD, mappingsFor, settingsFor, type TextAnalysis } from './es-mapping.js'
import { buildSearch } from './es-query.js'
import { sourceFor } from './es-source.js'
import { highlighter } from './highlight.js'
import {
  FENCE_FIELD,
  DEFAULT_LIMIT,
  MAX_LIMIT,
  encodeCursor,
  getPath,
  type CasResult,
  type CollectionSpec,
  type DocBody,
  type NewDoc,
  type Query,
  type QueryResult,
  type Store,
  type StoreHealth,
  type StoredDoc,
  type WriteMode,
  type WriteResult,
} from './store.js'

const DAY_MS = 86_400_000
/** Above the built-in templates (priority 100, e.g. logs-*-*), so ours decide the mapping of our indices. */
const TEMPLATE_PRIORITY = 500
const RETENTION_BATCH = 5000
const SEARCH_FILTER_PATH = ['hits.total', 'hits.hits._id', 'hits.hits._source', 'hits.hits._seq_no', 'hits.hits._primary_term']

interface Collection {
  spec: CollectionSpec
  /** The index (non-daily) or the alias over every daily index: what reads target. */
  base: string
}

interface Located<T extends DocBody> {
  doc: StoredDoc<T>
  index: string
  seqNo: number
  primaryTerm: number
}

type Source = Record<string, unknown>

export interface ElasticsearchStoreOptions {
  /** Tests force an analysis mode; otherwise the server's capabilities decide. */
  analysis?: TextAnalysis
}

/** Rounds of read-and-write for documents others keep writing meanwhile ('fenced' mode). */
const FENCED_ROUNDS = 5

/** Whether `stored` carries a newer epoch of the same lease than `next` (a fenced write must leave it). */
function newerFence(stored: Source | undefined, next: DocBody): boolean {
  const s = stored?.[FENCE_FIELD] as { key?: unknown; epoch?: unknown } | undefined
  const n = next[FENCE_FIELD] as { key?: unknown; epoch?: unknown } | undefined
  return !!s && !!n && s.key === n.key && typeof s.epoch === 'number' && typeof n.epoch === 'number' && s.epoch > n.epoch
}

/**
 * Elasticsearch 8.x behind the Store seam. One index per collection (`<prefix>-<name>`), or one per UTC
 * day (`<prefix>-<name>-YYYY.MM.DD`) behind an alias of the plain name for `daily` collections, so
 * retention drops whole indices. Composable index templates are (re)installed by init().
 *
 * Everything here also works on the integ-test distribution, which lacks delete_by_query, reindex,
 * scripts and the analysis-common module (see es-mapping.ts for how text analysis copes).
 */
export class ElasticsearchStore implements Store {
  readonly kind = 'elasticsearch' as const
  private readonly collections = new Map<string, Collection>()

  private constructor(
    private readonly client: Client,
    private readonly prefix: string,
    /** For messages: the node URL(s) without credentials. */
    private readonly node: string,
    readonly analysis: TextAnalysis,
  ) {}

  static async create(config: ElasticsearchStorageConfig, opts: ElasticsearchStoreOptions = {}): Promise<ElasticsearchStore> {
    const nodes = Array.isArray(config.node) ? config.node : [config.node]
    const node = nodes.map(redactUrl).join(', ')
    const auth = config.apiKey ? { apiKey: config.apiKey } : config.username ? { username: config.username, password: config.password ?? '' } : undefined
    const client = new Client({
      node: nodes,
      ...(auth ? { auth } : {}),
      requestTimeout: config.requestTimeout,
      maxRetries: 3,
      name: 'flinkwatch',
      // The default ('replace') deep-copies every error's diagnostic, its connection and undici pool
      // included: a few thousand expected 404/409s (compare-and-set races, first reads) cost whole CPU
      // seconds (measured at 30,000 jobs: a quarter of an instance's CPU). 'remove' keeps the body and
      // status we read, and drops the connection and headers, which also keeps credentials out of logs.
      redaction: { type: 'remove' },
    })
    try {
      // A fast, single-attempt probe so an unreachable cluster fails start-up with one clear line.
      // (GET / is not served by every distribution: the integ-test zip lacks the rest-root module.)
      const info = await client.nodes.info({ node_id: '_local', metric: '_none' }, { requestTimeout: 5000, maxRetries: 0 })
      const version = Object.values(info.nodes)[0]?.version ?? '?'
      if (!(Number(version.split('.')[0]) >= 8)) throw new AppError('ERR_STORE', `storage.node: Elasticsearch at ${node} is version ${version}; flinkwatch needs 8.x`, { retriable: false })
      const analysis = opts.analysis ?? (await probeAnalysis(client))
      return new ElasticsearchStore(client, config.indexPrefix, node, analysis)
    } catch (err) {
      await client.close().catch(() => undefined)
      const e = toAppError(err, 'storage', node)
      throw new AppError(e.code, `${e.message}; check storage.node`, { retriable: false, cause: err })
    }
  }

  async init(specs: readonly CollectionSpec[]): Promise<void> {
    for (const spec of specs) {
      if (!/^[a-z][a-z0-9_]*$/.test(spec.name)) throw new AppError('ERR_STORE', `bad collection name ${spec.name}`, { retriable: false })
      const base = `${this.prefix}-${spec.name}`
      const mappings = mappingsFor(spec, this.analysis)
      const template: estypes.IndicesPutIndexTemplateRequest['template'] = {
        settings: settingsFor(spec, this.analysis, MAX_LIMIT + 1),
        mappings: mappings as estypes.MappingTypeMapping,
      }
      // Daily index names carry two dots that neither a prefix nor a collection name can contain,
      // so this pattern cannot overlap the exact name of a non-daily collection.
      if (spec.daily) template.aliases = { [base]: {} }
      await this.call(`installing the index template for ${spec.name}`, () =>
        this.client.indices.putIndexTemplate({
          name: base,
          index_patterns: [spec.daily ? `${base}-*.*.*` : base],
          priority: TEMPLATE_PRIORITY,
          template,
          _meta: { managed_by: 'flinkwatch', collection: spec.name, analysis: this.analysis },
        }),
      )
      const existing = await this.call(`inspecting ${base}`, () => this.client.indices.get({ index: base, ignore_unavailable: true, allow_no_indices: true, features: ['aliases'] }))
      if (spec.daily && base in existing) {
        throw new AppError('ERR_STORE', `collection ${spec.name} is daily but ${base} is a plain index (from an older configuration); delete or rename it`, { retriable: false })
      }
      if (!spec.daily && !(base in existing)) {
        await this.call(`creating index ${base}`, () => this.client.indices.create({ index: base })).catch((err: unknown) => {
          if (!(err instanceof AppError && esErrorType(err.cause) === 'resource_already_exists_exception')) throw err
        })
      } else if (Object.keys(existing).length > 0) {
        // Fields added to a spec reach indices that already exist (new daily indices get them from the template).
        const { properties, dynamic } = mappings as { properties: Record<string, estypes.MappingProperty>; dynamic: estypes.MappingDynamicMapping }
        await this.call(`updating the mapping of ${base}`, () => this.client.indices.putMapping({ index: base, properties, dynamic }))
      }
      this.collections.set(spec.name, { spec, base })
    }
  }

  async health(): Promise<StoreHealth> {
    try {
      const h = await this.client.cluster.health({ timeout: '2s' }, { requestTimeout: 2500, maxRetries: 0 })
      const ok = h.status === 'green' || h.status === 'yellow'
      return { ok, detail: `elasticsearch ${this.node}: cluster ${h.cluster_name} is ${h.status}` }
    } catch (err) {
      return { ok: false, detail: toAppError(err, 'elasticsearch health', this.node).message }
    }
  }

  async write(collection: string, docs: readonly NewDoc[], mode: WriteMode = 'upsert'): Promise<WriteResult> {
    const c = this.collection(collection)
    const result: WriteResult = { written: 0, duplicates: 0, failed: [] }
    if (docs.length === 0) return result
    if (mode === 'fenced') return this.writeFenced(c, collection, docs)
    const operations: unknown[] = []
    /** For each bulk item, the document it writes, or undefined for clean-up deletes. */
    const items: (string | undefined)[] = []
    const targets = new Map<string, string>()
    for (const d of docs) {
      const index = this.indexFor(c, d.timestamp)
      if (!index) {
        result.failed.push({ id: d.id, reason: `invalid timestamp ${String(d.timestamp)}`, retriable: false })
        continue
      }
      targets.set(d.id, index)
      operations.push({ [mode === 'create' ? 'create' : 'index']: { _index: index, _id: d.id } }, this.toSource(c, d))
      items.push(d.id)
    }
    if (c.spec.daily && mode === 'upsert' && targets.size > 0) {
      // Last write wins across days too: a copy left in another day's index would be found twice.
      for (const stale of await this.copiesElsewhere(c, targets)) {
        operations.push({ delete: { _index: stale.index, _id: stale.id } })
        items.push(undefined)
      }
    }
    if (operations.length === 0) return result
    const res = await this.call(`writing to ${collection}`, () => this.client.bulk({ operations }))
    res.items.forEach((item, i) => {
      const id = items[i]
      const op = item.create ?? item.index ?? item.delete
      if (id === undefined || !op) return
      if (op.status >= 200 && op.status < 300) result.written++
      else if (op.status === 409 && mode === 'create') result.duplicates++
      else result.failed.push({ id, reason: esReason({ error: op.error }) ?? `status ${op.status}`, retriable: retriableStatus(op.status) })
    })
    return result
  }

  /**
   * 'fenced' mode without scripts (the integ-test distribution has no Painless): read the stored copies
   * (realtime mget), leave those a newer epoch of the same lease stamped, and write the rest with
   * `if_seq_no`/`if_primary_term` (create where absent); a document someone wrote in between is read and
   * decided again.
   */
  private async writeFenced(c: Collection, collection: string, docs: readonly NewDoc[]): Promise<WriteResult> {
    if (c.spec.daily) throw new AppError('ERR_BAD_REQUEST', `fenced writes need a collection without daily indices (${collection})`, { retriable: false })
    const result: WriteResult = { written: 0, duplicates: 0, failed: [], fenced: 0 }
    let todo = [...new Map(docs.map((d) => [d.id, d])).values()]
    for (let round = 0; round < FENCED_ROUNDS && todo.length > 0; round++) {
      const stored = await this.call(`reading ${collection}`, () => this.client.mget<Source>({ index: c.base, ids: todo.map((d) => d.id), _source_includes: [FENCE_FIELD] }))
      const operations: unknown[] = []
      const items: NewDoc[] = []
      todo.forEach((d, i) => {
        const cur = stored.docs[i]
        const found = cur && 'found' in cur && cur.found ? cur : undefined
        if (found && newerFence(found._source, d.body)) {
          result.fenced!++
          return
        }
        const cas = found ? { if_seq_no: found._seq_no, if_primary_term: found._primary_term } : {}
        operations.push({ [found ? 'index' : 'create']: { _index: c.base, _id: d.id, ...cas } }, this.toSource(c, d))
        items.push(d)
      })
      if (operations.length === 0) break
      const res = await this.call(`writing to ${collection}`, () => this.client.bulk({ operations }))
      const again: NewDoc[] = []
      res.items.forEach((item, i) => {
        const op = item.create ?? item.index
        const d = items[i]
        if (!op || !d) return
        if (op.status >= 200 && op.status < 300) result.written++
        else if (op.status === 409) again.push(d)
        else result.failed.push({ id: d.id, reason: esReason({ error: op.error }) ?? `status ${op.status}`, retriable: retriableStatus(op.status) })
      })
      todo = again
    }
    for (const d of todo) result.failed.push({ id: d.id, reason: 'written by others meanwhile, again and again', retriable: true })
    return result
  }

  async get<T extends DocBody = DocBody>(collection: string, id: string): Promise<StoredDoc<T> | undefined> {
    return (await this.locate<T>(this.collection(collection), id))?.doc
  }

  async getMany<T extends DocBody = DocBody>(collection: string, ids: readonly string[]): Promise<StoredDoc<T>[]> {
    const c = this.collection(collection)
    if (ids.length === 0) return []
    // Daily collections do not know which index holds an id: one lookup each (they are not read this way in bulk).
    if (c.spec.daily) return (await Promise.all(ids.map((id) => this.locate<T>(c, id)))).flatMap((l) => (l ? [l.doc] : []))
    const res = await this.call(`reading ${collection}`, () => this.client.mget<Source>({ index: c.base, ids: [...ids], _source_excludes: [TOKENS_FIELD] }))
    const out: StoredDoc<T>[] = []
    for (const d of res.docs) {
      if (!('found' in d) || !d.found || d._seq_no === undefined || d._primary_term === undefined || !d._source) continue
      out.push(this.toDoc<T>(d._id, d._source, d._seq_no, d._primary_term))
    }
    return out
  }

  async compareAndSet<T extends DocBody = DocBody>(collection: string, doc: NewDoc<T>, expected: string | null): Promise<CasResult<T>> {
    const c = this.collection(collection)
    const current = async (): Promise<StoredDoc<T> | undefined> => (await this.locate<T>(c, doc.id))?.doc
    // Daily collections must find which index holds the document first; plain ones let ES check alone.
    const located = c.spec.daily ? await this.locate<T>(c, doc.id) : undefined
    let params: { index: string; op_type?: 'create'; if_seq_no?: number; if_primary_term?: number }
    if (expected === null) {
      if (located) return { ok: false, current: located.doc }
      const index = this.indexFor(c, doc.timestamp)
      if (!index) throw new AppError('ERR_BAD_REQUEST', `invalid timestamp ${String(doc.timestamp)}`, { retriable: false })
      params = { index, op_type: 'create' }
    } else {
      const v = parseVersion(expected)
      if (!v || (c.spec.daily && (!located || located.doc.version !== expected))) return { ok: false, current: located?.doc ?? (await current()) }
      // A daily document stays in the index it lives in: moving it would not be atomic.
      params = { index: located?.index ?? c.base, if_seq_no: v.seqNo, if_primary_term: v.primaryTerm }
    }
    try {
      // The index API sends a string body as text/plain, which Elasticsearch refuses: an object it serialises.
      const document: unknown = JSON.parse(this.toSource(c, doc))
      const res = await this.client.index({ ...params, id: doc.id, document })
      return { ok: true, doc: { id: doc.id, timestamp: Math.trunc(doc.timestamp), version: `${res._seq_no}:${res._primary_term}`, body: doc.body } }
    } catch (err) {
      // 409: someone else wrote first (or the document already exists); 404: it was deleted meanwhile.
      if (isStatus(err, 409) || (expected !== null && isStatus(err, 404))) return { ok: false, current: await current() }
      throw toAppError(err, `compare-and-set in ${collection}`, this.node)
    }
  }

  async query<T extends DocBody = DocBody>(collection: string, q: Query): Promise<QueryResult<T>> {
    const c = this.collection(collection)
    const parts = buildSearch(collection, c.spec, this.analysis, q)
    const limit = Math.min(Math.max(q.limit ?? DEFAULT_LIMIT, 0), MAX_LIMIT)
    const res = await this.call(`querying ${collection}`, () =>
      this.client.search<Source>({
        index: c.base,
        ignore_unavailable: true,
        allow_no_indices: true,
        query: parts.query,
        sort: parts.sort,
        ...(parts.searchAfter ? { search_after: parts.searchAfter } : {}),
        size: limit + 1,
        track_total_hits: q.exactTotal ? true : MAX_LIMIT,
        seq_no_primary_term: true,
        // The body's own @timestamp (kept aside) only when asked for: fewer bytes to send and parse.
        ...(q.fields ? { _source_includes: ['@timestamp', ...(q.fields.includes('@timestamp') ? [BODY_TS_FIELD] : []), ...q.fields] } : { _source_excludes: [TOKENS_FIELD] }),
        // Only what toDoc reads: _index, _score and sort of every hit are about a third of a page of log lines,
        // which the client would parse for nothing (the cursor is made from the document, not from sort).
        filter_path: SEARCH_FILTER_PATH,
      }),
    )
    // filter_path leaves hits.hits out when nothing matched.
    const hits = (res.hits as Partial<typeof res.hits> | undefined)?.hits ?? []
    const more = hits.length > limit
    if (more) hits.pop()
    const textField = c.spec.text?.[0]
    // The same highlighter as the embedded store, so both backends mark the same words.
    const hl = q.highlight && q.text && textField ? highlighter(q.text.must) : undefined
    const docs = hits.map((h) => {
      const d = this.toDoc<T>(h._id ?? '', h._source, h._seq_no, h._primary_term)
      const highlight = hl && textField ? hl(textOf(getPath(d.body, textField))) : undefined
      return highlight === undefined ? d : { ...d, highlight }
    })
    const rawTotal = (res.hits as Partial<typeof res.hits> | undefined)?.total
    const total = typeof rawTotal === 'number' ? rawTotal : (rawTotal?.value ?? docs.length)
    const last = docs[docs.length - 1]
    return { docs, total, nextCursor: more && last ? encodeCursor(last.timestamp, last.id) : null }
  }

  async delete(collection: string, id: string): Promise<boolean> {
    const c = this.collection(collection)
    if (!c.spec.daily) {
      try {
        const res = await this.client.delete({ index: c.base, id })
        return res.result === 'deleted'
      } catch (err) {
        if (isStatus(err, 404)) return false
        throw toAppError(err, `deleting from ${collection}`, this.node)
      }
    }
    const copies = await this.copies(c, id)
    if (copies.length === 0) return false
    const res = await this.call(`deleting from ${collection}`, () => this.client.bulk({ operations: copies.map((l) => ({ delete: { _index: l.index, _id: id } })) }))
    return res.items.some((i) => i.delete?.result === 'deleted')
  }

  async deleteOlderThan(collection: string, cutoff: number): Promise<number> {
    const c = this.collection(collection)
    if (c.spec.daily) {
      // Whole days that ended at or before the cutoff; the day the cutoff falls in is kept.
      const old = (await this.dailyIndices(c)).filter((i) => i.day + DAY_MS <= cutoff).map((i) => i.index)
      for (let i = 0; i < old.length; i += 50) {
        const chunk = old.slice(i, i + 50)
        await this.call(`dropping old indices of ${collection}`, () => this.client.indices.delete({ index: chunk, ignore_unavailable: true }))
      }
      return old.length
    }
    // No delete_by_query on every distribution: search the ids, bulk-delete them, repeat.
    let total = 0
    for (;;) {
      const res = await this.call(`finding old documents in ${collection}`, () =>
        this.client.search({
          index: c.base,
          ignore_unavailable: true,
          allow_no_indices: true,
          query: { range: { '@timestamp': { lt: cutoff, format: 'epoch_millis' } } },
          _source: false,
          size: RETENTION_BATCH,
          track_total_hits: false,
        }),
      )
      const hits = res.hits.hits
      if (hits.length === 0) return total
      const bulk = await this.call(`deleting old documents in ${collection}`, () =>
        this.client.bulk({ refresh: true, operations: hits.map((h) => ({ delete: { _index: h._index, _id: h._id } })) }),
      )
      const deleted = bulk.items.filter((i) => i.delete?.result === 'deleted').length
      total += deleted
      // Nothing removed means the next search returns the same hits: stop instead of spinning.
      if (deleted === 0 || hits.length < RETENTION_BATCH) return total
    }
  }

  async refresh(collection: string): Promise<void> {
    const c = this.collection(collection)
    await this.call(`refreshing ${collection}`, () => this.client.indices.refresh({ index: c.base, ignore_unavailable: true, allow_no_indices: true }))
  }

  async close(): Promise<void> {
    await this.client.close()
  }

  // ---- internals ----------------------------------------------------------------------------

  private collection(name: string): Collection {
    const c = this.collections.get(name)
    if (!c) throw new AppError('ERR_STORE', `unknown collection ${name}`, { retriable: false })
    return c
  }

  private indexFor(c: Collection, timestamp: number): string | undefined {
    if (!c.spec.daily) return c.base
    if (!Number.isFinite(timestamp)) return undefined
    const d = new Date(Math.trunc(timestamp))
    if (Number.isNaN(d.getTime())) return undefined
    return `${c.base}-${d.toISOString().slice(0, 10).replace(/-/g, '.')}`
  }

  private async dailyIndices(c: Collection): Promise<{ index: string; day: number }[]> {
    let res: Record<string, unknown>
    try {
      res = await this.client.indices.getAlias({ name: c.base })
    } catch (err) {
      if (isStatus(err, 404)) return []
      throw toAppError(err, `listing the indices of ${c.spec.name}`, this.node)
    }
    const pattern = new RegExp(`^${escapeRegExp(c.base)}-(\\d{4})\\.(\\d{2})\\.(\\d{2})$`)
    const out: { index: string; day: number }[] = []
    for (const index of Object.keys(res)) {
      const m = pattern.exec(index)
      if (m) out.push({ index, day: Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) })
    }
    return out.sort((a, b) => a.day - b.day)
  }

  /** Every stored copy of an id (realtime: mget, not search); a daily collection has at most one unless written around. */
  private async copies<T extends DocBody>(c: Collection, id: string): Promise<Located<T>[]> {
    const indices = c.spec.daily ? (await this.dailyIndices(c)).map((i) => i.index) : [c.base]
    if (indices.length === 0) return []
    const res = await this.call(`reading ${c.spec.name}`, () => this.client.mget<Source>({ docs: indices.map((index) => ({ _index: index, _id: id })), _source_excludes: [TOKENS_FIELD] }))
    const out: Located<T>[] = []
    for (const d of res.docs) {
      if ('error' in d) {
        if (d.error.type === 'index_not_found_exception') continue
        throw new AppError('ERR_STORE', `reading ${id} from ${d._index}: ${d.error.type}: ${d.error.reason ?? ''}`, { retriable: true })
      }
      if (!d.found || d._seq_no === undefined || d._primary_term === undefined) continue
      out.push({ doc: this.toDoc<T>(d._id, d._source, d._seq_no, d._primary_term), index: d._index, seqNo: d._seq_no, primaryTerm: d._primary_term })
    }
    return out.sort((a, b) => b.doc.timestamp - a.doc.timestamp)
  }

  private async locate<T extends DocBody>(c: Collection, id: string): Promise<Located<T> | undefined> {
    if (c.spec.daily) return (await this.copies<T>(c, id))[0]
    try {
      // A missing document is an answer, not an error (no error object built for each first read).
      const res = await this.client.get<Source>({ index: c.base, id, _source_excludes: [TOKENS_FIELD] }, { ignore: [404] })
      if (!res.found || res._seq_no === undefined || res._primary_term === undefined) return undefined
      return { doc: this.toDoc<T>(res._id, res._source, res._seq_no, res._primary_term), index: res._index, seqNo: res._seq_no, primaryTerm: res._primary_term }
    } catch (err) {
      if (isStatus(err, 404)) return undefined
      throw toAppError(err, `reading ${c.spec.name}`, this.node)
    }
  }

  /** Copies of the given ids in daily indices other than the one each is being written to (near-real-time). */
  private async copiesElsewhere(c: Collection, targets: Map<string, string>): Promise<{ id: string; index: string }[]> {
    const res = await this.call(`reading ${c.spec.name}`, () =>
      this.client.search({
        index: c.base,
        ignore_unavailable: true,
        allow_no_indices: true,
        query: { ids: { values: [...targets.keys()] } },
        _source: false,
        size: Math.min(targets.size * 4, MAX_LIMIT),
        track_total_hits: false,
      }),
    )
    return res.hits.hits.filter((h) => h._id !== undefined && targets.get(h._id) !== h._index).map((h) => ({ id: h._id!, index: h._index }))
  }

  /** JSON text: the client puts strings into a bulk body as they are. */
  private toSource(c: Collection, d: NewDoc): string {
    return sourceFor(c.spec, this.analysis, d)
  }

  private toDoc<T extends DocBody>(id: string, source: Source | undefined, seqNo: number | undefined, primaryTerm: number | undefined): StoredDoc<T> {
    const { '@timestamp': ts, [ID_FIELD]: _id, [BODY_TS_FIELD]: bodyTs, [TOKENS_FIELD]: _tokens, ...rest } = source ?? {}
    const body: DocBody = BODY_TS_FIELD in (source ?? {}) ? { ...rest, '@timestamp': bodyTs } : rest
    const timestamp = typeof ts === 'number' ? ts : typeof ts === 'string' ? Date.parse(ts) : 0
    return { id, timestamp, version: `${seqNo ?? 0}:${primaryTerm ?? 0}`, body: body as T }
  }

  private async call<R>(what: string, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn()
    } catch (err) {
      throw toAppError(err, what, this.node)
    }
  }
}

/** The native analyzer needs the pattern tokenizer and asciifolding (module analysis-common). */
async function probeAnalysis(client: Client): Promise<TextAnalysis> {
  try {
    await client.indices.analyze({ tokenizer: { type: 'pattern', pattern: TOKEN_SEPARATOR }, filter: ['lowercase', 'asciifolding'], text: 'probe' })
    return 'native'
  } catch (err) {
    if (err instanceof errors.ResponseError && err.statusCode === 400) return 'pretokenized'
    throw err
  }
}

function parseVersion(v: string): { seqNo: number; primaryTerm: number } | undefined {
  const m = /^(\d+):(\d+)$/.exec(v)
  return m ? { seqNo: Number(m[1]), primaryTerm: Number(m[2]) } : undefined
}

function textOf(v: unknown): string {
  if (typeof v === 'string') return v
  if (v === undefined || v === null) return ''
  return String(v)
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
