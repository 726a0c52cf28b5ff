/**
 * The notification pipeline, stage by stage (the one place to read their order):
 *
 *   accept ─▶ route ─▶ outbox (durable, idempotent) ─▶ group (a quiet group's first transitions
 *   at once, then one digest per groupWait; see group.ts) ─▶ render (fit the
 *   platform, split, "... and N more") ─▶ queue (one serial queue per channel) ─▶ deliver
 *   (limiter, retry matrix, CAS claim) ─▶ record (message and items sent / failed)
 */
import type { Fence } from '../../src/ha/fence.js'
import { createHash, randomUUID } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { sleep, type Clock } from '../../src/core/clock.js'
import type { Component, ComponentStatus } from '../../src/core/component.js'
import type { Logger } from '../../src/core/logger.js'
import { AppError, errorMessage } from '../../src/core/errors.js'
import { SerialWrites } from '../../src/core/serial-writes.js'
import { retry } from '../../src/core/retry.js'
import type { RouteConfig } from '../../src/config/sections/alerting.js'
import type { AlertTransition } from '../../src/model/alert.js'
import type { Channel } from '../channels/channel.js'
import type { DigestEntry, LinkBuilder } from '../channels/content.js'
import { ChannelWorker, type DeliveryOptions } from './deliver.js'
import { Grouper, type FlushKind } from './group.js'
import type { NotifyMetrics } from './metrics.js'
import { Outbox, type OutboxItem, type OutboxMessage } from './outbox.js'
import { Router } from './route.js'

export interface PipelineOptions {
  outbox: Outbox
  clock: Clock
  logger: Logger
  metrics: NotifyMetrics
  channels: readonly Channel[]
  routes: readonly RouteConfig[]
  groupWaitMs: number
  /** Hold a quiet group's first transition for groupWait (Alertmanager's group_wait); default: send it at once. */
  holdFirst?: boolean
  links: LinkBuilder
  delivery?: Partial<DeliveryOptions>
  /** Distinguishes this process's claims from a previous (killed) one's. */
  instanceId?: string
  /** How long, and how many, accepted ids are remembered to drop a transition accepted twice. */
  dedup?: { maxAgeMs: number; maxEntries: number }
  /**
   * HA: whether this instance holds the channel's lease (src/ha/). Only the holder claims and sends the
   * channel's messages, so its rate limits hold for the whole deployment; the others write messages into the
   * outbox, where the holder finds them (`scan`). Absent: every channel is ours.
   */
  mayDeliver?: (channel: string) => boolean
  /** HA: the channel's lease as this instance holds it (message writes are stamped with its epoch). */
  channelFence?: (channel: string) => Fence | undefined
}

/**
 * A transition is accepted twice within moments (the same publish seen twice, a replayed event), not
 * hours apart: its id carries the incident's firing time. An hour and 100,000 ids (a few MB) bound
 * the memory of a long-running process without letting a duplicate through.
 */
const DEFAULT_DEDUP = { maxAgeMs: 60 * 60_000, maxEntries: 100_000 }

/** Bail reason of the outbox retry once the pipeline stops. */
const STOPPED = new Error('the notification pipeline stopped')
/** HA: a pending item older than groupWait plus this was accepted by an instance that died before grouping it. */
const ORPHAN_GRACE_MS = 30_000

const DEFAULT_DELIVERY: DeliveryOptions = {
  retry: { retries: 6, initialDelayMs: 1000, maxDelayMs: 60_000, multiplier: 2, jitter: 0.2 },
  requeueAfterMs: 5 * 60_000,
}

export class NotificationPipeline implements Component {
  readonly name = 'alert-notifier'
  private readonly router: Router
  private readonly grouper: Grouper
  readonly workers = new Map<string, ChannelWorker>()
  private readonly abort = new AbortController()
  private buffer: OutboxItem[] = []
  private readonly writes = new SerialWrites(() => {
    const batch = this.buffer
    this.buffer = []
    return this.persist(batch)
  })
  /** Accepted item ids, for dedup.maxAgeMs on the injected clock and at most dedup.maxEntries. */
  private readonly accepted: LRUCache<string, true>
  private readonly itemCache = new Map<string, OutboxItem>()
  /**
   * Recording a sent message's items (a read and a write of each, hundreds for a digest) runs beside the
   * channel's queue: the message is marked sent already, and the next one need not wait for the bookkeeping.
   */
  private readonly recording = new Set<Promise<void>>()
  private stopped = false

  constructor(private readonly o: PipelineOptions) {
    const channels = new Map(o.channels.map((c) => [c.id, c]))
    this.router = new Router(o.routes, channels, { groupWaitMs: o.groupWaitMs, holdFirst: o.holdFirst ?? false })
    this.grouper = new Grouper(o.clock, (channel, items, kind) => void this.flushGroup(channel, items, kind))
    const dedup = o.dedup ?? DEFAULT_DEDUP
    // ttlResolution 0: read the clock on every check (the default caches it for a real millisecond).
    this.accepted = new LRUCache({ max: dedup.maxEntries, ttl: dedup.maxAgeMs, ttlResolution: 0, perf: { now: () => o.clock.now() } })
    const delivery = { ...DEFAULT_DELIVERY, ...o.delivery }
    const instanceId = o.instanceId ?? randomUUID()
    for (const c of o.channels) {
      this.workers.set(
        c.id,
        new ChannelWorker(c, {
          outbox: o.outbox,
          clock: o.clock,
          logger: o.logger,
          metrics: o.metrics,
          instanceId,
          signal: this.abort.signal,
          options: delivery,
          ...(o.mayDeliver ? { mayDeliver: () => o.mayDeliver!(c.id) } : {}),
          ...(o.channelFence ? { fence: () => o.channelFence!(c.id) } : {}),
          onDelivered: (m, at) => this.offQueue(this.recordDelivered(m, at)),
          onFailed: (m) => this.offQueue(this.recordItems(m, 'failed', null)),
        }),
      )
    }
    o.metrics.depth(() => {
      const waiting = this.grouper.waiting()
      return Object.fromEntries([...this.workers].map(([id, w]) => [id, w.depth + (waiting.get(id) ?? 0)]))
    })
    o.metrics.health(() => Object.fromEntries([...this.workers].map(([id, w]) => [id, w.health.healthy])))
  }

  /** Stage 1 (route) and 2 (outbox): never throws, never blocks the engine. */
  accept(t: AlertTransition): void {
    if (this.stopped) return
    const now = this.o.clock.now()
    for (const target of this.router.targets(t)) {
      const id = `${t.id}~${target.channel}`
      if (this.accepted.has(id)) continue
      this.accepted.set(id, true)
      this.buffer.push({ id, ...target, transitionId: t.id, incidentId: t.alert.id, kind: t.kind, state: 'pending', messageId: null, createdAt: now, sentAt: null, transition: t })
    }
    // One store write per burst: 1,000 transitions published in one tick are one transaction, and those
    // accepted while it is written go together into the next.
    if (this.buffer.length > 0) this.writes.request()
  }

  /** Ids remembered for dedup (tests): expired ones are dropped first. */
  get acceptedCount(): number {
    this.accepted.purgeStale()
    return this.accepted.size
  }

  private async persist(batch: OutboxItem[]): Promise<void> {
    try {
      // The store is down: hold the batch (in memory only, so far) and try again for as long as it takes,
      // with the one retry() (500 ms doubling up to 30 s, no jitter: one writer per process).
      await retry(
        async (bail) => {
          if (this.stopped) bail(STOPPED)
          try {
            await this.o.outbox.addItems(batch)
          } catch (err) {
            this.o.logger.error({ err, items: batch.length }, 'writing notifications to the outbox failed; retrying')
            if (this.stopped) bail(STOPPED)
            // Whatever the store said, the batch exists nowhere else: keep trying.
            throw new AppError('ERR_STORE', errorMessage(err), { retriable: true, cause: err })
          }
        },
        { retries: Infinity, initialDelayMs: 500, maxDelayMs: 30_000, multiplier: 2, jitter: 0, clock: this.o.clock, signal: this.abort.signal },
      )
    } catch {
      return
    }
    for (const item of batch) this.itemCache.set(item.id, item)
    this.grouper.add(batch)
  }

  /**
   * Stage 3 (render) and 4 (queue): a digest becomes messages in the outbox, then in the channel's queue.
   * A group's first message is one message (what it cannot name goes back to the group and is named
   * in the digest), and counts against that digest's maxMessages: a storm costs no more messages
   * per groupWait than a held digest would.
   */
  private async flushGroup(channelId: string, items: OutboxItem[], kind: FlushKind = { leading: false, alreadySent: 0 }): Promise<void> {
    const worker = this.workers.get(channelId)
    if (!worker || this.stopped) return
    try {
      const entries: DigestEntry[] = items.map((i) => ({ itemId: i.id, kind: i.kind, alert: i.transition.alert, at: i.transition.at }))
      const maxParts = kind.leading ? 1 : Math.max(1, worker.channel.maxMessages - kind.alreadySent)
      const rendered = worker.channel.render({ entries, links: this.o.links, maxParts, deferRest: kind.leading })
      const now = this.o.clock.now()
      // Ids derive from the items a message holds, so the same items are never two messages.
      let idSource = items.map((i) => i.id).sort().join('\n')
      if (kind.leading) {
        const named = new Set(rendered.flatMap((r) => r.itemIds))
        const rest = items.filter((i) => !named.has(i.id))
        // Synchronously, before the window can close: the digest must find them.
        if (rest.length > 0) this.grouper.defer(rest)
        items = items.filter((i) => named.has(i.id))
        // A first message with room for counts only (an SMS) holds no item; after a restart the
        // same items may be counted again in a new one, so its id carries the time.
        idSource = items.length > 0 ? items.map((i) => i.id).sort().join('\n') : `${idSource}\n@${now}`
      }
      const groupId = createHash('sha1').update(idSource).digest('hex').slice(0, 20)
      const byId = new Map(items.map((i) => [i.id, i]))
      const messages: OutboxMessage[] = rendered.map((r, n) => ({
        id: `${channelId}-${groupId}-${n}`,
        channel: channelId,
        state: 'pending',
        itemIds: r.itemIds,
        payload: r.payload,
        // A message naming no item (WeCom's mention after a digest) was detected when rendered.
        detectedAt: r.itemIds.length === 0 ? now : Math.min(...r.itemIds.map((id) => byId.get(id)?.transition.at ?? now)),
        createdAt: now,
        attempts: 0,
        claimedBy: null,
        sentAt: null,
        lastError: null,
        notBefore: null,
      }))
      // Messages first, then the items they hold: a restart in between finds the items in open messages.
      await this.o.outbox.addMessages(messages)
      await this.o.outbox.updateItems(messages.flatMap((m) => m.itemIds.map((id) => ({ ...byId.get(id)!, state: 'grouped' as const, messageId: m.id }))))
      for (const m of messages) worker.enqueue(m.id)
      // HA: another instance holds the channel and finds these in its next scan, if the store shows them by then.
      if (this.o.mayDeliver && !this.o.mayDeliver(channelId)) await this.o.outbox.publishMessages().catch((err: unknown) => this.o.logger.warn({ err }, 'refreshing the outbox failed; the holder finds the messages after the store refreshes'))
    } catch (err) {
      this.o.logger.error({ err, channel: channelId, items: items.length }, 'grouping notifications failed; they stay in the outbox and are retried at the next start')
    }
  }

  private offQueue(p: Promise<void>): Promise<void> {
    this.recording.add(p)
    void p.finally(() => this.recording.delete(p))
    return Promise.resolve()
  }

  private async recordDelivered(m: OutboxMessage, at: number): Promise<void> {
    this.o.logger.info({ channel: m.channel, message: m.id, items: m.itemIds.length, attempts: m.attempts }, 'notification delivered')
    await this.recordItems(m, 'sent', at)
  }

  private async recordItems(m: OutboxMessage, state: 'sent' | 'failed', at: number | null): Promise<void> {
    const items: OutboxItem[] = []
    const missing: string[] = []
    for (const id of m.itemIds) {
      const item = this.itemCache.get(id)
      this.itemCache.delete(id)
      if (item) items.push(item)
      else missing.push(id)
    }
    // HA: items another instance grouped are not cached here; a digest holds hundreds, so one read for all.
    if (missing.length > 0) items.push(...(await this.o.outbox.getItems(missing).catch((err: unknown) => (this.o.logger.warn({ err }, `reading notifications to record them ${state} failed`), []))))
    if (state === 'sent' && at !== null) for (const item of items) this.o.metrics.latency(m.channel, Math.max(0, at - item.transition.at) / 1000)
    await this.o.outbox.updateItems(items.map((item) => ({ ...item, state, messageId: m.id, sentAt: at }))).catch((err: unknown) => this.o.logger.warn({ err }, `recording ${state} notifications failed: ${errorMessage(err)}`))
  }

  /** Recovery: open messages are (re)sent, items in no message are grouped again. */
  async start(): Promise<void> {
    const open = await this.o.outbox.openMessages()
    const held = new Set(open.flatMap((m) => m.itemIds))
    for (const m of open.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))) this.workers.get(m.channel)?.enqueue(m.id, true)
    const now = this.o.clock.now()
    // With other instances live, a pending item may be in another's group window right now: only items
    // older than any window (their instance died before grouping them) are this instance's to group.
    const orphanedBefore = this.o.mayDeliver ? now - this.o.groupWaitMs - ORPHAN_GRACE_MS : Infinity
    const pending = (await this.o.outbox.pendingItems()).filter((i) => !held.has(i.id) && this.workers.has(i.channel) && i.createdAt < orphanedBefore)
    for (const item of pending) {
      this.accepted.set(item.id, true)
      this.itemCache.set(item.id, item)
    }
    this.grouper.add(pending)
    if (open.length + pending.length > 0) this.o.logger.info({ messages: open.length, items: pending.length }, 'resuming notifications from the outbox')
  }

  /**
   * HA: this instance took the channel's lease. Its open messages are sent: pending ones, and 'sending' ones a
   * previous holder claimed and died before confirming (resent at most once, with the platform's idempotency
   * key where one exists). A previous holder that released the lease waited for its send under way first.
   */
  async resumeChannel(channel: string): Promise<void> {
    await this.scan(channel, true)
  }

  /** HA: messages other instances wrote for channels we hold. */
  async scan(channel?: string, recovering = false): Promise<void> {
    if (this.stopped) return
    // Instances holding no channel (most of them) do not ask the store at all.
    if (channel === undefined && ![...this.workers.keys()].some((id) => this.o.mayDeliver?.(id) === true)) return
    const open = await this.o.outbox.openMessages()
    for (const m of open.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))) {
      if (channel !== undefined && m.channel !== channel) continue
      if (!this.o.mayDeliver?.(m.channel)) continue
      if (m.state === 'sending' && !recovering) continue
      this.workers.get(m.channel)?.enqueue(m.id, recovering)
    }
  }

  /** HA: the channel's lease goes elsewhere: waits for the request under way (bounded), sends nothing more. */
  async releaseChannel(channel: string): Promise<void> {
    await this.workers.get(channel)?.revoke(10_000)
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await this.writes.idle()
    this.grouper.clear()
    this.abort.abort(new Error('stopping'))
    for (const w of this.workers.values()) w.queue.clear()
    // Requests under way finish (so they are recorded as sent); waiting ones stay in the outbox.
    await Promise.race([Promise.all([...this.workers.values()].map((w) => w.queue.onIdle())), sleep(this.o.clock, 10_000).catch(() => undefined)])
    await Promise.all([...this.recording])
  }

  /** Waits until accepted transitions are in the outbox (tests, shutdown). */
  async settled(): Promise<void> {
    await this.writes.idle()
    await Promise.all([...this.recording])
  }

  readiness(): ComponentStatus {
    const bad = [...this.workers.values()].filter((w) => !w.health.healthy)
    if (bad.length > 0) return { ready: false, detail: bad.map((w) => `channel ${w.channel.id} unhealthy: ${w.health.detail}`).join('; ') }
    return { ready: true, detail: `${this.workers.size} channel(s)` }
  }

  channelHealth(): Record<string, { healthy: boolean; detail: string; queued: number }> {
    return Object.fromEntries([...this.workers].map(([id, w]) => [id, { healthy: w.health.healthy, detail: w.health.detail, queued: w.depth }]))
  }
}
