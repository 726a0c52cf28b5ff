/**
 * Incidents in the store. Saves are batched per tick (a storm of 1,000 failures is one write) and
 * chained, so the store sees them in order; `flush()` waits for what was saved so far.
 */
import type { Logger } from '../../src/core/logger.js'
import type { AlertEvent } from '../../src/model/alert.js'
import type { Store } from '../../src/storage/store.js'
import { MAX_LIMIT } from '../../src/storage/store.js'
import { ALERTS } from './collections.js'
import { AlertEventDoc, DocGuard } from './stored.js'

export class IncidentBook {
  private pending = new Map<string, AlertEvent>()
  private chain: Promise<void> = Promise.resolve()
  private scheduled = false

  constructor(readonly store: Store, private readonly logger: Logger, readonly guard = new DocGuard(logger)) {}

  save(a: AlertEvent): void {
    this.pending.set(a.id, structuredClone(a))
    if (this.scheduled) return
    this.scheduled = true
    queueMicrotask(() => {
      this.scheduled = false
      const docs = [...this.pending.values()].map((body) => ({ id: body.id, timestamp: body.startsAt, body: body as unknown as Record<string, unknown> }))
      this.pending = new Map()
      this.chain = this.chain.then(async () => {
        const r = await this.store.write(ALERTS, docs, 'upsert').catch((err: unknown) => ({ failed: [{ id: '*', reason: String(err), retriable: true }] }))
        if (r.failed.length > 0) this.logger.error({ failed: r.failed.slice(0, 3) }, `storing ${r.failed.length} incident(s) failed`)
      })
    })
  }

  async flush(): Promise<void> {
    await new Promise<void>((r) => queueMicrotask(r))
    await this.chain
  }

  /** Firing incidents; `fresh` first makes every write visible (Elasticsearch: another instance wrote them a moment ago). */
  async firing(fresh = false): Promise<AlertEvent[]> {
    if (fresh) await this.store.refresh(ALERTS)
    const out: AlertEvent[] = []
    let cursor: string | undefined
    do {
      const r = await this.store.query<Record<string, unknown>>(ALERTS, { where: { state: 'firing' }, limit: MAX_LIMIT, order: 'asc', ...(cursor ? { cursor } : {}) })
      out.push(...this.guard.all(ALERTS, AlertEventDoc, r.docs))
      cursor = r.nextCursor ?? undefined
    } while (cursor)
    return out
  }

  /** One incident by id (after what was saved so far); undefined when unknown or unreadable. */
  async get(id: string): Promise<AlertEvent | undefined> {
    await this.flush()
    const doc = await this.store.get(ALERTS, id)
    return doc ? this.guard.check(ALERTS, AlertEventDoc, doc) : undefined
  }

  /** Incidents, newest first; unreadable documents are skipped (and counted). */
  async query(f: IncidentFilter): Promise<{ alerts: AlertEvent[]; total: number; nextCursor: string | null }> {
    await this.flush()
    const where: Record<string, string> = {}
    if (f.state) where['state'] = f.state
    if (f.cluster) where['cluster'] = f.cluster
    if (f.rule) where['rule'] = f.rule
    if (f.job) where['jobName'] = f.job
    const r = await this.store.query(ALERTS, { where, order: 'desc', limit: f.limit ?? 100, ...(f.cursor ? { cursor: f.cursor } : {}) })
    return { alerts: this.guard.all(ALERTS, AlertEventDoc, r.docs), total: r.total, nextCursor: r.nextCursor }
  }
}

export interface IncidentFilter {
  state?: 'firing' | 'resolved'
  cluster?: string
  rule?: string
  job?: string
  limit?: number
  cursor?: string
}
