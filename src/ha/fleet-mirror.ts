/**
 * Reads from any instance: the owner of a cluster writes each poll's outcome into the store, and the other
 * instances apply it to their own fleet state, so /api/v1/clusters, /api/v1/jobs, the Prometheus series and
 * the `jobs` WebSocket stream say the same on every instance (a few seconds behind the owner). Applying a
 * mirrored outcome publishes the same events a poll does; features that act on them (rules and incidents,
 * auto-restart, delivery) act only for what this instance owns, so a mirror never pages or restarts.
 */
import type { Clock, TimerHandle } from '../core/clock.js'
import type { Component, ComponentStatus } from '../core/component.js'
import { errorMessage } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { ClusterSnapshot } from '../model/cluster.js'
import type { CollectionSpec, Store } from '../storage/store.js'

export const FLEET_MIRROR_COLLECTION = 'ha_fleet'
export const fleetMirrorCollection: CollectionSpec = { name: FLEET_MIRROR_COLLECTION, keywords: ['cluster', 'by'] }

interface MirrorBody {
  [key: string]: unknown
  cluster: string
  by: string
  at: number
  ok: boolean
  snapshot: ClusterSnapshot | null
  error: string | null
}

export interface FleetMirrorOptions {
  store: Store
  clock: Clock
  logger: Logger
  instanceId: string
  intervalMs: number
  owns(cluster: string): boolean
  applySnapshot(cluster: string, snap: ClusterSnapshot): void
  applyFailure(cluster: string, err: Error): void
}

export class FleetMirror implements Component {
  readonly name = 'fleet-mirror'
  private readonly applied = new Map<string, number>()
  private timer: TimerHandle | null = null
  private running: Promise<void> | null = null
  private lastError: string | null = null
  private since = 0

  constructor(private readonly o: FleetMirrorOptions) {}

  /** The owner's poll outcome; fire and forget (a lost write only delays the others' view by one poll). */
  publish(cluster: string, outcome: { snapshot: ClusterSnapshot } | { error: unknown }): void {
    const at = this.o.clock.now()
    const body: MirrorBody =
      'snapshot' in outcome
        ? { cluster, by: this.o.instanceId, at, ok: true, snapshot: { ...outcome.snapshot, incidents: [] }, error: null }
        : { cluster, by: this.o.instanceId, at, ok: false, snapshot: null, error: errorMessage(outcome.error) }
    this.applied.set(cluster, at)
    void this.o.store.write(FLEET_MIRROR_COLLECTION, [{ id: cluster, timestamp: at, body }], 'upsert').catch((err: unknown) => {
      this.lastError = errorMessage(err)
    })
  }

  async start(): Promise<void> {
    this.schedule()
  }

  async stop(): Promise<void> {
    if (this.timer) this.o.clock.clearTimeout(this.timer)
    this.timer = null
    await this.running
  }

  readiness(): ComponentStatus {
    return { ready: true, detail: this.lastError ? `mirroring other instances' clusters: ${this.lastError}` : 'mirroring the clusters other instances poll' }
  }

  /** One read of what the owners wrote since the last round. Public for tests. */
  async pull(): Promise<void> {
    const r = await this.o.store.query<MirrorBody>(FLEET_MIRROR_COLLECTION, { from: this.since, order: 'asc', limit: 10_000 })
    for (const d of r.docs) {
      const b = d.body
      // Re-read a margin behind the newest seen: Elasticsearch shows writes up to a refresh later.
      this.since = Math.max(this.since, d.timestamp - 10_000)
      if (this.o.owns(b.cluster) || b.by === this.o.instanceId) continue
      if ((this.applied.get(b.cluster) ?? 0) >= b.at) continue
      this.applied.set(b.cluster, b.at)
      if (b.ok && b.snapshot) this.o.applySnapshot(b.cluster, b.snapshot)
      else this.o.applyFailure(b.cluster, new Error(`${b.error ?? 'probe failed'} (polled by ${b.by})`))
    }
    this.lastError = null
  }

  private schedule(): void {
    this.timer = this.o.clock.setTimeout(() => {
      this.running = this.pull()
        .catch((err: unknown) => {
          this.lastError = errorMessage(err)
          this.o.logger.warn({ err: this.lastError }, 'reading other instances\' clusters failed')
        })
        .finally(() => {
          this.running = null
          if (this.timer) this.schedule()
        })
    }, this.o.intervalMs)
  }
}
