/**
 * The durable outbox. An item is one incident transition for one channel, written with `create`
 * so its id (transition id + channel) can be accepted once only. Grouping turns items into
 * messages (also `create`, ids derived from their items); delivery claims a message by
 * compare-and-set before sending and records the outcome. After a restart, open messages are
 * sent and items in no message are grouped again: nothing accepted is lost.
 */
import type { AlertTransition, TransitionKind } from '../../src/model/alert.js'
import type { Fence } from '../../src/ha/fence.js'
import { MAX_LIMIT, type DocBody, type Store, type StoredDoc } from '../../src/storage/store.js'
import { MESSAGES, OUTBOX } from '../engine/collections.js'
import { DocGuard, OutboxItemDoc, OutboxMessageDoc } from '../engine/stored.js'

export interface OutboxItem {
  id: string
  channel: string
  groupKey: string
  groupWaitMs: number
  /** Absent in items written before the key existed: those groups send their first item at once. */
  holdFirst?: boolean
  transitionId: string
  incidentId: string
  kind: TransitionKind
  state: 'pending' | 'grouped' | 'sent' | 'failed'
  messageId: string | null
  createdAt: number
  sentAt: number | null
  transition: AlertTransition
}

export interface OutboxMessage {
  id: string
  channel: string
  state: 'pending' | 'sending' | 'sent' | 'failed'
  itemIds: string[]
  payload: Record<string, unknown>
  /** Earliest detection among its items. */
  detectedAt: number
  createdAt: number
  attempts: number
  claimedBy: string | null
  sentAt: number | null
  lastError: string | null
  /** Not before this time (after transient failures exhausted the retries). */
  notBefore: number | null
  /** HA: the channel lease (key, epoch) it was last written under; a write under an older epoch is refused. */
  fence?: { key: string; epoch: number }
}

/** A message as read from the store, with the version a compare-and-set needs. */
export interface VersionedMessage {
  message: OutboxMessage
  version: string
}

const asBody = (x: OutboxItem | OutboxMessage): DocBody => x as unknown as DocBody

export class Outbox {
  /** Message writes refused because a newer epoch of the channel lease wrote the message (HA fencing). */
  fencedWrites = 0
  /** Called for each refused write (the flinkwatch_ha_fenced_writes_total metric). */
  onFenced: (() => void) | undefined

  constructor(private readonly store: Store, private readonly guard = new DocGuard()) {}

  async addItems(items: readonly OutboxItem[]): Promise<void> {
    const r = await this.store.write(OUTBOX, items.map((i) => ({ id: i.id, timestamp: i.createdAt, body: asBody(i) })), 'create')
    if (r.failed.length > 0) throw new Error(`outbox refused ${r.failed.length} item(s): ${r.failed[0]!.reason}`)
  }

  async updateItems(items: readonly OutboxItem[]): Promise<void> {
    if (items.length === 0) return
    await this.store.write(OUTBOX, items.map((i) => ({ id: i.id, timestamp: i.createdAt, body: asBody(i) })), 'upsert')
  }

  async addMessages(messages: readonly OutboxMessage[]): Promise<void> {
    const r = await this.store.write(MESSAGES, messages.map((m) => ({ id: m.id, timestamp: m.createdAt, body: asBody(m) })), 'create')
    if (r.failed.length > 0) throw new Error(`outbox refused ${r.failed.length} message(s): ${r.failed[0]!.reason}`)
  }

  /** The message and its version; undefined when unknown or unreadable (skipped and counted). */
  async getMessage(id: string): Promise<VersionedMessage | undefined> {
    return this.versioned(await this.store.get(MESSAGES, id))
  }

  /**
   * Compare-and-set on the message: the one way its state changes. Under a fence (HA: the channel lease) the
   * write is stamped with the lease's epoch and refused when the message was last written under a newer epoch
   * of the same lease: `m` is the message as read at `version`, so its stamp is the stored one, and the
   * compare-and-set makes sure nobody wrote in between. A paused old holder whose own lease check raced its
   * takeover therefore cannot claim, requeue or mark a message the new holder wrote (counted in `fencedWrites`).
   */
  async casMessage(m: OutboxMessage, version: string, fence?: Fence): Promise<VersionedMessage | undefined> {
    let body = m
    if (fence && fence.key !== '') {
      const stamp = m.fence
      if (stamp && stamp.key === fence.key && stamp.epoch > fence.epoch) {
        this.fencedWrites++
        this.onFenced?.()
        return undefined
      }
      body = { ...m, fence: { key: fence.key, epoch: fence.epoch } }
    }
    const r = await this.store.compareAndSet(MESSAGES, { id: m.id, timestamp: m.createdAt, body: asBody(body) }, version)
    return r.ok ? this.versioned(r.doc) : undefined
  }

  /** Makes new messages visible to the holders' scans now rather than at Elasticsearch's next refresh. */
  async publishMessages(): Promise<void> {
    await this.store.refresh(MESSAGES)
  }

  /** The items of these ids that exist and read well, in one round trip. */
  async getItems(ids: readonly string[]): Promise<OutboxItem[]> {
    return this.guard.all(OUTBOX, OutboxItemDoc, await this.store.getMany(OUTBOX, ids))
  }

  async itemsOf(incidentId: string): Promise<OutboxItem[]> {
    const r = await this.store.query(OUTBOX, { where: { incidentId }, limit: 1000, order: 'asc' })
    return this.guard.all(OUTBOX, OutboxItemDoc, r.docs)
  }

  async openMessages(): Promise<OutboxMessage[]> {
    return this.guard.all(MESSAGES, OutboxMessageDoc, await this.all(MESSAGES, { state: ['pending', 'sending'] }))
  }

  async pendingItems(): Promise<OutboxItem[]> {
    return this.guard.all(OUTBOX, OutboxItemDoc, await this.all(OUTBOX, { state: 'pending' }))
  }

  private versioned(doc: StoredDoc | undefined): VersionedMessage | undefined {
    const message = doc ? this.guard.check(MESSAGES, OutboxMessageDoc, doc) : undefined
    return doc && message ? { message, version: doc.version } : undefined
  }

  private async all(collection: string, where: Record<string, string | string[]>): Promise<StoredDoc[]> {
    const out: StoredDoc[] = []
    let cursor: string | undefined
    do {
      const r = await this.store.query(collection, { where, limit: MAX_LIMIT, order: 'asc', ...(cursor ? { cursor } : {}) })
      out.push(...r.docs)
      cursor = r.nextCursor ?? undefined
    } while (cursor)
    return out
  }
}
