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
import type { JobSnapshot } from '../model/job.js'
import { MAX_LIMIT, type CollectionSpec, type DocBody, type Store, type StoredDoc } from '../storage/store.js'

export const FLEET_MIRROR_COLLECTION = 'ha_fleet'
export const FLEET_MIRROR_JOBS_COLLECTION = 'ha_fleet_jobs'
export const fleetMirrorCollections: readonly CollectionSpec[] = [
  { name: FLEET_MIRROR_COLLECTION, keywords: ['cluster', 'by'] },
  { name: FLEET_MIRROR_JOBS_COLLECTION, keywords: ['cluster', 'by'] },
]

/** One poll outcome of one cluster: the cluster's figures and the ids of its jobs (their snapshots are job documents). */
interface MirrorBody {
  [key: string]: unknown
  cluster: string
  by: string
  at: number
  ok: boolean
  snapshot: (Omit<ClusterSnapshot, 'jobs' | 'incidents'> & { jobIds: string[] }) | null
  error: string | null
}

/** One job as its owner last saw it change (`<cluster>/<jobId>`). */
interface MirrorJobBody {
  [key: string]: unknown
  cluster: string
  by: string
  at: number
  job: JobSnapshot
}

export interface FleetMirrorOptions {
  store: Store
  clock: Clock
  logger: Logger
  instanceId: string
  intervalMs: number
  owns(cluster: string): boolean
  /** The job as this instance shows it now (the snapshot a mirrored poll leaves unchanged). */
  currentJob(cluster: string, jobId: string): JobSnapshot | undefined
  applySnapshot(cluster: string, snap: ClusterSnapshot): void
  applyFailure(cluster: string, err: Error): void
}

/** Re-read a margin behind the newest write seen: Elasticsearch shows writes up to a refresh later. */
const MARGIN_MS = 10_000

/**
 * What it costs: a poll writes one small cluster document (figures and job ids) and one document per job
 * whose snapshot changed since this instance last wrote it. The poller hands back the same snapshot object
 * for a job nothing changed in, so "changed" is an identity check; a fleet of 30,000 steady jobs writes a
 * few hundred job documents per minute instead of every job every poll (the first version wrote the whole
 * cluster snapshot per poll, ~1.7 KB per job, and every reader re-read it for the margin).
 */
export class FleetMirror implements Component {
  readonly name = 'fleet-mirror'
  private readonly applied = new Map<string, number>()
  /** The last snapshot object written per `<cluster>/<jobId>`. */
  private readonly written = new Map<string, JobSnapshot>()
  /** The newest cluster document read per cluster (a job document that arrives later is applied with it). */
  private readonly latest = new Map<string, MirrorBody>()
  /** When the job document applied last per `<cluster>/<jobId>` was written (the margin re-reads it). */
  private readonly jobApplied = new Map<string, number>()
  private timer: TimerHandle | null = null
  private running: Promise<void> | null = null
  private lastError: string | null = null
  private since = 0
  private jobsSince = 0

  constructor(private readonly o: FleetMirrorOptions) {}

  /** The owner's poll outcome; fire and forget (a lost write only delays the others' view by one poll). */
  publish(cluster: string, outcome: { snapshot: ClusterSnapshot } | { error: unknown }): void {
    const at = this.o.clock.now()
    const by = this.o.instanceId
    this.applied.set(cluster, at)
    if (!('snapshot' in outcome)) {
      const body: MirrorBody = { cluster, by, at, ok: false, snapshot: null, error: errorMessage(outcome.error) }
      void this.o.store.write(FLEET_MIRROR_COLLECTION, [{ id: cluster, timestamp: at, body }], 'upsert').catch((err: unknown) => void (this.lastError = errorMessage(err)))
      return
    }
    const { jobs, incidents: _incidents, ...rest } = outcome.snapshot
    const changed = jobs.filter((j) => this.written.get(`${cluster}/${j.jobId}`) !== j)
    for (const j of changed) this.written.set(`${cluster}/${j.jobId}`, j)
    const body: MirrorBody = { cluster, by, at, ok: true, snapshot: { ...rest, jobIds: jobs.map((j) => j.jobId) }, error: null }
    const jobDocs = changed.map((job) => ({ id: `${cluster}/${job.jobId}`, timestamp: at, body: { cluster, by, at, job } satisfies MirrorJobBody }))
    // Jobs first: a reader that sees the cluster document and not yet a job applies the job once it shows.
    void (async () => {
      if (jobDocs.length > 0) {
        const r = await this.o.store.write(FLEET_MIRROR_JOBS_COLLECTION, jobDocs, 'upsert')
        // Written again with the next poll.
        for (const f of r.failed) this.written.delete(f.id)
      }
      await this.o.store.write(FLEET_MIRROR_COLLECTION, [{ id: cluster, timestamp: at, body }], 'upsert')
    })().catch((err: unknown) => {
      this.lastError = errorMessage(err)
      for (const d of jobDocs) this.written.delete(d.id)
    })
  }

  /** Forget what this instance wrote of `cluster` (it takes the cluster over: another owner wrote since). */
  forget(cluster: string): void {
    for (const k of [...this.written.keys()]) if (k.startsWith(`${cluster}/`)) this.written.delete(k)
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
    const touched = new Set<string>()
    const fresh = new Map<string, Map<string, { at: number; job: JobSnapshot }>>()
    for (const d of await this.readSince<MirrorJobBody>(FLEET_MIRROR_JOBS_COLLECTION, this.jobsSince)) {
      const b = d.body
      this.jobsSince = Math.max(this.jobsSince, d.timestamp - MARGIN_MS)
      if (this.o.owns(b.cluster) || b.by === this.o.instanceId) continue
      const of = fresh.get(b.cluster) ?? new Map<string, { at: number; job: JobSnapshot }>()
      fresh.set(b.cluster, of)
      const seen = of.get(b.job.jobId)
      if (!seen || seen.at <= b.at) of.set(b.job.jobId, { at: b.at, job: b.job })
    }
    for (const d of await this.readSince<MirrorBody>(FLEET_MIRROR_COLLECTION, this.since)) {
      const b = d.body
      this.since = Math.max(this.since, d.timestamp - MARGIN_MS)
      if (this.o.owns(b.cluster) || b.by === this.o.instanceId) continue
      if ((this.applied.get(b.cluster) ?? 0) >= b.at) continue
      this.applied.set(b.cluster, b.at)
      this.latest.set(b.cluster, b)
      if (!b.ok || !b.snapshot) {
        this.o.applyFailure(b.cluster, new Error(`${b.error ?? 'probe failed'} (polled by ${b.by})`))
        continue
      }
      touched.add(b.cluster)
    }
    for (const [cluster, jobs] of fresh) {
      for (const [id, j] of jobs) {
        const key = `${cluster}/${id}`
        if ((this.jobApplied.get(key) ?? -1) >= j.at) jobs.delete(id)
        else this.jobApplied.set(key, j.at)
      }
      // A job written after the cluster document this instance applied: applied with that document now.
      if (jobs.size > 0 && this.latest.get(cluster)?.ok) touched.add(cluster)
    }
    for (const cluster of touched) {
      const b = this.latest.get(cluster)
      if (!b?.snapshot || this.o.owns(cluster)) continue
      const { jobIds, ...rest } = b.snapshot
      const jobs: JobSnapshot[] = []
      for (const id of jobIds) {
        const j = fresh.get(cluster)?.get(id)?.job ?? this.o.currentJob(cluster, id)
        if (j) jobs.push(j)
      }
      this.o.applySnapshot(cluster, { ...rest, jobs, incidents: [] })
    }
    this.lastError = null
  }

  private async readSince<T extends DocBody>(collection: string, from: number): Promise<StoredDoc<T>[]> {
    const out: StoredDoc<T>[] = []
    let cursor: string | undefined
    do {
      const r = await this.o.store.query<T>(collection, { from, order: 'asc', limit: MAX_LIMIT, ...(cursor ? { cursor } : {}) })
      out.push(...r.docs)
      cursor = r.nextCursor ?? undefined
    } while (cursor)
    return out
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
