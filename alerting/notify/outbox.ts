/**
 * The durable outbox. An item is one incident transition for one channel, written with `create`
 * so its id (transition id + channel) can be accepted once only. Grouping turns items into
 * messages (also `create`, ids derived from their items); delivery claims a message by
 * compare-and-set before sending and records the outcome. After a restart, open messages are
 * sent and items in no message are grouped again: nothing accepted is lost.
 */
import type { AlertTransition, TransitionKind } from '../../src/model/alert.js'
import { MAX_LIMIT, type DocBody, type Store, type StoredDoc } from '../../src/storage/store.js'
import { MESSAGES, OUTBOX } from '../engine/collections.js'

export interface OutboxItem {
  id: string
  channel: string
  groupKey: string
  groupWaitMs: number
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
}

const asBody = (x: object): DocBody => x as unknown as DocBody

export class Outbox {
  constructor(private readonly store: Store) {}

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

  async getMessage(id: string): Promise<StoredDoc<OutboxMessage & DocBody> | undefined> {
    return this.store.get<OutboxMessage & DocBody>(MESSAGES, id)
  }

  /** Compare-and-set on the message: the one way its state changes. */
  async casMessage(m: OutboxMessage, version: string): Promise<StoredDoc<OutboxMessage & DocBody> | undefined> {
    const r = await this.store.compareAndSet<OutboxMessage & DocBody>(MESSAGES, { id: m.id, timestamp: m.createdAt, body: m as OutboxMessage & DocBody }, version)
    return r.ok ? r.doc : undefined
  }

  async getItem(id: string): Promise<OutboxItem | undefined> {
    return (await this.store.get(OUTBOX, id))?.body as unknown as OutboxItem | undefined
  }

  async itemsOf(incidentId: string): Promise<OutboxItem[]> {
    const r = await this.store.query(OUTBOX, { where: { incidentId }, limit: 1000, order: 'asc' })
    return r.docs.map((d) => d.body as unknown as OutboxItem)
  }

  async openMessages(): Promise<OutboxMessage[]> {
    return (await this.all(MESSAGES, { state: ['pending', 'sending'] })) as unknown as OutboxMessage[]
  }

  async pendingItems(): Promise<OutboxItem[]> {
    return (await this.all(OUTBOX, { state: 'pending' })) as unknown as OutboxItem[]
  }

  private async all(collection: string, where: Record<string, string | string[]>): Promise<DocBody[]> {
    const out: DocBody[] = []
    let cursor: string | undefined
    do {
      const r = await this.store.query(collection, { where, limit: MAX_LIMIT, order: 'asc', ...(cursor ? { cursor } : {}) })
      out.push(...r.docs.map((d) => d.body))
      cursor = r.nextCursor ?? undefined
    } while (cursor)
    return out
  }
}
