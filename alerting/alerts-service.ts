/** What the alerts API reads: incidents, the notifications sent for one, and channel health. */
import type { AlertEvent } from '../src/model/alert.js'
import type { IncidentBook, IncidentFilter } from './engine/incident-book.js'
import type { Outbox, OutboxItem } from './notify/outbox.js'
import type { NotificationPipeline } from './notify/pipeline.js'

export type NotificationView = Pick<OutboxItem, 'channel' | 'kind' | 'state' | 'messageId' | 'createdAt' | 'sentAt'>

export class AlertsService {
  constructor(private readonly book: IncidentBook, private readonly outbox: Outbox, private readonly pipeline: NotificationPipeline) {}

  /** Incidents, newest first, with every channel's health (are notifications getting out?). */
  async list(f: IncidentFilter): Promise<{ alerts: AlertEvent[]; total: number; nextCursor: string | null; channels: ReturnType<NotificationPipeline['channelHealth']> }> {
    return { ...(await this.book.query(f)), channels: this.pipeline.channelHealth() }
  }

  /** One incident and its notifications per channel; undefined when unknown. */
  async get(id: string): Promise<{ alert: AlertEvent; notifications: NotificationView[] } | undefined> {
    const alert = await this.book.get(id)
    if (!alert) return undefined
    const items = await this.outbox.itemsOf(id)
    return { alert, notifications: items.map((i) => ({ channel: i.channel, kind: i.kind, state: i.state, messageId: i.messageId, createdAt: i.createdAt, sentAt: i.sentAt })) }
  }
}
