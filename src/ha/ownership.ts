/**
 * What features see of high availability: they hand their ids (clusters, channels) to `share` with a start
 * and a stop, and act only between the two, under the fence they were given. Without HA one instance owns
 * everything, unfenced; with HA (ha-service.ts) the ids are spread over the live instances by lease.
 */
import type { Clock } from '../core/clock.js'
import type { ComponentStatus } from '../core/component.js'
import { UNFENCED, type Fence } from './fence.js'
import type { OwnershipChange } from './lease-share.js'

export type ShareKind = 'cluster' | 'channel'

export interface ShareHandlers {
  /** `change`: how it came (a takeover or handover means someone polled it until just now). */
  onAcquire(id: string, fence: Fence, change: OwnershipChange): void | Promise<void>
  /** Resolves when nothing more will be done for `id` under its fence. */
  onRelease(id: string, reason: OwnershipChange): void | Promise<void>
}

export interface ShareView {
  /** Ids this instance holds now. */
  owned(): string[]
  /** The fence to write under for `id`; undefined when it is not ours. */
  fence(id: string): Fence | undefined
}

/** One instance as GET /api/v1/instances shows it. */
export interface InstanceView {
  id: string
  address: string
  version: string
  startedAt: number
  alive: boolean
  lastHeartbeat: number
  clusters: string[]
  channels: string[]
}

export interface Ownership {
  readonly instanceId: string
  readonly enabled: boolean
  share(kind: ShareKind, ids: readonly string[], handlers: ShareHandlers): ShareView
  /** What this instance holds of a kind, across every share of it (for features that act under another's lease). */
  view(kind: ShareKind): ShareView
  instances(): Promise<InstanceView[]>
  start(): Promise<void>
  stop(): Promise<void>
  readiness(): ComponentStatus
}

/** HA disabled: this process holds every id from start to stop. */
export class SoloOwnership implements Ownership {
  readonly enabled = false
  private readonly shares: { kind: ShareKind; ids: readonly string[]; handlers: ShareHandlers; owned: Set<string> }[] = []
  private readonly startedAt: number

  constructor(readonly instanceId: string, private readonly address: string, private readonly version: string, private readonly clock: Clock) {
    this.startedAt = clock.now()
  }

  share(kind: ShareKind, ids: readonly string[], handlers: ShareHandlers): ShareView {
    const s = { kind, ids, handlers, owned: new Set<string>() }
    this.shares.push(s)
    return { owned: () => [...s.owned], fence: (id) => (s.owned.has(id) ? UNFENCED : undefined) }
  }

  view(kind: ShareKind): ShareView {
    const of = () => this.shares.filter((s) => s.kind === kind)
    return { owned: () => of().flatMap((s) => [...s.owned]), fence: (id) => (of().some((s) => s.owned.has(id)) ? UNFENCED : undefined) }
  }

  async start(): Promise<void> {
    for (const s of this.shares) {
      for (const id of s.ids) {
        s.owned.add(id)
        await s.handlers.onAcquire(id, UNFENCED, 'acquired')
      }
    }
  }

  async stop(): Promise<void> {
    for (const s of this.shares) {
      for (const id of [...s.owned]) {
        s.owned.delete(id)
        await s.handlers.onRelease(id, 'shutdown')
      }
    }
  }

  async instances(): Promise<InstanceView[]> {
    const of = (kind: ShareKind): string[] => this.shares.filter((s) => s.kind === kind).flatMap((s) => [...s.owned])
    return [{ id: this.instanceId, address: this.address, version: this.version, startedAt: this.startedAt, alive: true, lastHeartbeat: this.clock.now(), clusters: of('cluster'), channels: of('channel') }]
  }

  readiness(): ComponentStatus {
    return { ready: true, detail: 'single instance (ha.enabled is false): owns every cluster and channel' }
  }
}
