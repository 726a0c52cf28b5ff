/**
 * HA on: a heartbeat loop registers this instance, reads the live members and runs one lease round per
 * share (clusters, channels). Rounds come every heartbeat, and faster while this instance waits for a
 * lease it is the choice for (another instance is about to release it), so a join moves work within a
 * fraction of a heartbeat of the release.
 */
import { Counter, Gauge, type Registry } from 'prom-client'
import type { Clock, TimerHandle } from '../core/clock.js'
import type { ComponentStatus } from '../core/component.js'
import { errorMessage } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Coordinator, MemberInfo } from './coordinator.js'
import { LeaseShare } from './lease-share.js'
import type { InstanceView, Ownership, ShareHandlers, ShareKind, ShareView } from './ownership.js'

export interface HaOwnershipOptions {
  coordinator: Coordinator
  self: MemberInfo
  clock: Clock
  logger: Logger
  registry: Registry
  heartbeatMs: number
  /**
   * How long a member lives past its last heartbeat (the coordinator's TTL). When another member's expiry
   * comes before the next heartbeat, the next round runs right after it, so a dead instance's work is taken
   * over at its TTL rather than up to a heartbeat later. Absent: rounds every heartbeat only.
   */
  memberTtlMs?: number
}

/** After a member's expiry, how long to wait before the round that treats it as dead (clock granularity). */
const EXPIRY_SLACK_MS = 50

export class HaOwnership implements Ownership {
  readonly enabled = true
  private readonly shares: LeaseShare[] = []
  private timer: TimerHandle | null = null
  private running: Promise<void> | null = null
  private stopped = true
  private lastRound: { at: number; ok: boolean; detail: string; alive: number } = { at: 0, ok: false, detail: 'no heartbeat yet', alive: 0 }
  /** The earliest time another live member is dead unless it heartbeats again (null: none, or TTL unknown). */
  private nextMemberExpiry: number | null = null
  private readonly changes: Counter<'reason'>

  constructor(private readonly o: HaOwnershipOptions) {
    this.changes = new Counter({ name: 'flinkwatch_ownership_changes_total', help: 'Clusters this instance took or gave up, by reason', labelNames: ['reason'], registers: [o.registry] })
    const shares = this.shares
    new Gauge({
      name: 'flinkwatch_instance_owned_clusters',
      help: 'Clusters this instance holds the lease of and polls',
      registers: [o.registry],
      collect() {
        this.set(shares.filter((s) => s.kind === 'cluster').reduce((n, s) => n + s.owned().length, 0))
      },
    })
  }

  get instanceId(): string {
    return this.o.coordinator.instanceId
  }

  share(kind: ShareKind, ids: readonly string[], handlers: ShareHandlers): ShareView {
    const s = new LeaseShare({
      kind,
      ids,
      coordinator: this.o.coordinator,
      clock: this.o.clock,
      logger: this.o.logger,
      onAcquire: handlers.onAcquire,
      onRelease: handlers.onRelease,
      onChange: (_id, change) => {
        if (kind === 'cluster') this.changes.inc({ reason: change })
      },
    })
    this.shares.push(s)
    return { owned: () => s.owned(), fence: (id) => s.fence(id) }
  }

  view(kind: ShareKind): ShareView {
    const of = () => this.shares.filter((s) => s.kind === kind)
    return { owned: () => of().flatMap((s) => s.owned()), fence: (id) => of().map((s) => s.fence(id)).find((f) => f !== undefined) }
  }

  async start(): Promise<void> {
    if (!this.stopped) return
    this.stopped = false
    await this.round()
    this.schedule()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) this.o.clock.clearTimeout(this.timer)
    this.timer = null
    await this.running
    // Work stops first (each share's onRelease), then leases and membership go, so others take over at once.
    for (const s of this.shares) await s.releaseAll()
    await this.o.coordinator.leave().catch((err: unknown) => this.o.logger.warn({ err: errorMessage(err) }, 'leaving the membership failed'))
  }

  /** One heartbeat and one lease round per share; never rejects. */
  round(): Promise<void> {
    if (this.running) return this.running
    this.running = (async () => {
      try {
        await this.o.coordinator.heartbeat(this.o.self)
        const members = await this.o.coordinator.members()
        const alive = members.filter((m) => m.alive).map((m) => m.id)
        const ttl = this.o.memberTtlMs
        const expiries = ttl === undefined ? [] : members.filter((m) => m.alive && m.id !== this.instanceId).map((m) => m.lastHeartbeat + ttl)
        this.nextMemberExpiry = expiries.length > 0 ? Math.min(...expiries) : null
        for (const s of this.shares) await s.reconcile(alive)
        this.lastRound = { at: this.o.clock.now(), ok: true, detail: '', alive: new Set([...alive, this.instanceId]).size }
      } catch (err) {
        // Leases we cannot renew lapse by our own clock (LeaseShare drops them at the next round or when a
        // fence is checked); until the store answers again this instance acts for nothing it cannot prove.
        this.lastRound = { ...this.lastRound, at: this.o.clock.now(), ok: false, detail: errorMessage(err) }
        this.o.logger.warn({ err: errorMessage(err) }, 'HA heartbeat failed')
        for (const s of this.shares) await s.dropLapsed()
      } finally {
        this.running = null
      }
    })()
    return this.running
  }

  async instances(): Promise<InstanceView[]> {
    const now = this.o.clock.now()
    const [members, clusters, channels] = await Promise.all([this.o.coordinator.members(), this.o.coordinator.leases('cluster'), this.o.coordinator.leases('channel')])
    const heldBy = (leases: typeof clusters, id: string): string[] =>
      leases.filter((l) => l.holder === id && l.expiresAt > now).map((l) => l.key.slice(l.key.indexOf(':') + 1)).sort()
    return members.map((m) => ({ ...m, clusters: heldBy(clusters, m.id), channels: heldBy(channels, m.id) }))
  }

  readiness(): ComponentStatus {
    if (!this.lastRound.ok) return { ready: false, detail: `HA heartbeat failing: ${this.lastRound.detail}` }
    const parts: string[] = []
    const waiting: string[] = []
    for (const s of this.shares) {
      const owned = s.owned().length
      const missing = s.missing()
      parts.push(`${owned}/${owned + missing.length} of its ${s.kind}s`)
      waiting.push(...missing.map((id) => `${s.kind} ${id}`))
    }
    const summary = `instance ${this.instanceId} holds ${parts.join(', ') || 'no work'} (${this.lastRound.alive} live instance(s))`
    if (waiting.length) return { ready: false, detail: `${summary}; waiting for the lease of ${waiting.slice(0, 5).join(', ')}${waiting.length > 5 ? ` and ${waiting.length - 5} more` : ''} (released by its holder or expired)` }
    return { ready: true, detail: summary }
  }

  private schedule(): void {
    if (this.stopped) return
    const waiting = this.shares.some((s) => s.missing().length > 0)
    let ms = waiting ? Math.max(250, Math.floor(this.o.heartbeatMs / 4)) : this.o.heartbeatMs
    // A member about to expire (it stopped heartbeating): look again just after it does.
    if (this.nextMemberExpiry !== null) ms = Math.min(ms, Math.max(50, this.nextMemberExpiry - this.o.clock.now() + EXPIRY_SLACK_MS))
    this.timer = this.o.clock.setTimeout(() => {
      void this.round().then(() => this.schedule())
    }, ms)
  }
}
