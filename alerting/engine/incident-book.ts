/**
 * Incidents in the store. Saves are batched per tick (a storm of 1,000 failures is one write) and
 * chained, so the store sees them in order; `flush()` waits for what was saved so far.
 */
import type { Logger } from '../../src/core/logger.js'
import { SerialWrites } from '../../src/core/serial-writes.js'
import { FENCE_FIELD, type Fence, type FenceStamp } from '../../src/ha/fence.js'
import type { AlertEvent } from '../../src/model/alert.js'
import type { Store } from '../../src/storage/store.js'
import { MAX_LIMIT } from '../../src/storage/store.js'
import { ALERTS } from './collections.js'
import { AlertEventDoc, DocGuard } from './stored.js'

/**
 * HA: the lease of an incident's cluster as this instance holds it. Each incident write is stamped with its
 * epoch and the store keeps an incident a newer epoch wrote (WriteMode 'fenced'), so a paused old owner whose
 * batch was already on its way cannot overwrite the new owner's transitions.
 */
export interface IncidentFencing {
  fenceOf(cluster: string): Fence | undefined
  /** Called with the number of incident writes refused (the flinkwatch_ha_fenced_writes_total metric). */
  onFenced(n: number): void
}

export class IncidentBook {
  private pending = new Map<string, AlertEvent>()
  /** A storm's saves while a write is under way go into the next write (the latest copy of each incident). */
  private readonly writes = new SerialWrites(() => this.write())

  constructor(readonly store: Store, private readonly logger: Logger, readonly guard = new DocGuard(logger), private readonly fencing?: IncidentFencing) {}

  save(a: AlertEvent): void {
    this.pending.set(a.id, structuredClone(a))
    this.writes.request()
  }

  private async write(): Promise<void> {
    const incidents = [...this.pending.values()]
    this.pending = new Map()
    const docs = this.fencing ? this.stamped(incidents) : incidents.map((body) => ({ id: body.id, timestamp: body.startsAt, body: body as unknown as Record<string, unknown> }))
    if (docs.length === 0) return
    const r = await this.store.write(ALERTS, docs, this.fencing ? 'fenced' : 'upsert').catch((err: unknown) => ({ failed: [{ id: '*', reason: String(err), retriable: true }], fenced: 0 }))
    if (r.fenced) this.fencing?.onFenced(r.fenced)
    if (r.failed.length > 0) this.logger.error({ failed: r.failed.slice(0, 3) }, `storing ${r.failed.length} incident(s) failed`)
  }

  /** The incidents whose cluster lease this instance still holds, each stamped with its epoch; the rest are refused here. */
  private stamped(incidents: readonly AlertEvent[]): { id: string; timestamp: number; body: Record<string, unknown> }[] {
    const docs = []
    let refused = 0
    for (const a of incidents) {
      const fence = this.fencing!.fenceOf(a.cluster)
      if (!fence?.held()) {
        refused++
        continue
      }
      const stamp: FenceStamp = { key: fence.key, epoch: fence.epoch }
      docs.push({ id: a.id, timestamp: a.startsAt, body: { ...a, [FENCE_FIELD]: stamp } as unknown as Record<string, unknown> })
    }
    if (refused > 0) this.fencing!.onFenced(refused)
    return docs
  }

  async flush(): Promise<void> {
    await this.writes.idle()
  }

  /** Firing incidents; `fresh` first makes every write visible (Elasticsearch: another instance wrote them a moment ago). */
  async firing(fresh = false): Promise<AlertEvent[]> {
    if (fresh) await this.store.refresh(ALERTS)
    const out: AlertEvent[] = []
    let cursor: string | undefined
    do {
      const r = await this.store.query<Record<string, unknown>>(ALERTS, { where: { state: 'firing' }, limit: MAX_LIMIT, order: 'asc', ...(cursor ? { cursor } : {}) })
      out.push(...this.guard.all(ALERTS, AlertEventDoc, r.docs).map(unstamped))
      cursor = r.nextCursor ?? undefined
    } while (cursor)
    return out
  }

  /** One incident by id (after what was saved so far); undefined when unknown or unreadable. */
  async get(id: string): Promise<AlertEvent | undefined> {
    await this.flush()
    const doc = await this.store.get(ALERTS, id)
    const a = doc ? this.guard.check(ALERTS, AlertEventDoc, doc) : undefined
    return a && unstamped(a)
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
    return { alerts: this.guard.all(ALERTS, AlertEventDoc, r.docs).map(unstamped), total: r.total, nextCursor: r.nextCursor }
  }
}

/** The incident without the store's fencing stamp (the stamp is the store's, not the incident's). */
function unstamped(a: AlertEvent): AlertEvent {
  if (!(FENCE_FIELD in a)) return a
  const { [FENCE_FIELD]: _stamp, ...rest } = a as AlertEvent & { [FENCE_FIELD]?: unknown }
  return rest
}

export interface IncidentFilter {
  state?: 'firing' | 'resolved'
  cluster?: string
  rule?: string
  job?: string
  limit?: number
  cursor?: string
}
