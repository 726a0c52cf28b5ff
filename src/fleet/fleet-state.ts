/**
 * The fleet's truth: latest ClusterStatus and job snapshots per cluster, built from collector
 * outcomes. It decides what a poll means:
 *
 * - a cluster is `down` only after `downAfter` consecutive failed probes; job states are left as
 *   last seen while probes fail (a probe failure never marks a job failed);
 * - job transitions are published for state changes, for jobs that appear (from null), for running
 *   jobs that vanish from a cluster that answers (to UNKNOWN; kept listed for a while), and for
 *   restarts between two polls (from === to, restarts grew);
 * - a cluster that answers with jobs another cluster owns (a proxy or DNS name pointing at the wrong
 *   JobManager after a failover) has those jobs ignored; if it answers with only foreign jobs the
 *   probe counts as failed, so its own jobs are not reported vanished;
 * - errors are logged once per change of text and counted by reason.
 */
import type { Clock } from '../core/clock.js'
import { errorMessage } from '../core/errors.js'
import type { EventBus } from '../core/event-bus.js'
import { onChange, type Logger } from '../core/logger.js'
import type { ClusterSnapshot, ClusterStatus, ClusterType, CollectorErrorReason } from '../model/cluster.js'
import { isTerminal, type JobSnapshot, type JobTransition } from '../model/job.js'
import { reasonOf } from '../core/http/status.js'
import type { FleetView, JobFilter } from './fleet-view.js'
import { JobTrendTracker, type FleetTrends, type JobTrend } from './job-trends.js'

export interface FleetClusterSpec {
  id: string
  type: ClusterType
  downAfter: number
  url: string | null
  webUiUrl: string | null
}

/** Counting hooks; the Prometheus exporter implements them. */
export interface FleetCounters {
  error(cluster: string, reason: CollectorErrorReason): void
}

export interface FleetStateOptions {
  clusters: readonly FleetClusterSpec[]
  bus: EventBus
  clock: Clock
  logger: Logger
  counters?: FleetCounters
  /** How long a vanished job stays listed as UNKNOWN. */
  vanishedRetentionMs?: number
}

interface JobEntry {
  snapshot: JobSnapshot
  terminalSince: number | null
  vanishedAt: number | null
}

interface ClusterEntry {
  spec: FleetClusterSpec
  status: ClusterStatus
  /** False until a probe outcome decided up or down (no event before that). */
  known: boolean
  jobs: Map<string, JobEntry>
}

export class FleetState implements FleetView, FleetTrends {
  private readonly entries = new Map<string, ClusterEntry>()
  private readonly logOnce = onChange()
  /** How many clusters list each job id: the foreign-job check looks at other clusters only for ids listed twice. */
  private readonly listedBy = new Map<string, number>()
  private readonly trends = new JobTrendTracker()

  constructor(private readonly o: FleetStateOptions) {
    for (const spec of o.clusters) {
      this.entries.set(spec.id, {
        spec,
        known: false,
        jobs: new Map(),
        status: {
          id: spec.id,
          type: spec.type,
          status: 'down',
          version: null,
          taskManagers: 0,
          slots: { total: 0, available: 0 },
          jobs: { total: 0, running: 0 },
          lastSeen: null,
          consecutiveFailures: 0,
          lastError: null,
          jobManagerUrl: spec.url,
          webUiUrl: spec.webUiUrl ?? spec.url,
        },
      })
    }
  }

  // ---- FleetView ---------------------------------------------------------------------------

  clusters(): ClusterStatus[] {
    return [...this.entries.values()].map((e) => structuredClone(e.status))
  }

  cluster(id: string): ClusterStatus | undefined {
    const e = this.entries.get(id)
    return e ? structuredClone(e.status) : undefined
  }

  jobs(filter: JobFilter = {}): JobSnapshot[] {
    const q = filter.q?.toLowerCase()
    const out: JobSnapshot[] = []
    for (const e of this.entries.values()) {
      if (filter.cluster !== undefined && e.spec.id !== filter.cluster) continue
      for (const j of e.jobs.values()) {
        const s = j.snapshot
        if (filter.state !== undefined && s.state !== filter.state) continue
        if (q && !s.name.toLowerCase().includes(q) && !s.jobId.toLowerCase().includes(q)) continue
        out.push(s)
      }
    }
    return out.sort((a, b) => a.cluster.localeCompare(b.cluster) || a.name.localeCompare(b.name) || a.jobId.localeCompare(b.jobId))
  }

  job(cluster: string, jobId: string): JobSnapshot | undefined {
    return this.entries.get(cluster)?.jobs.get(jobId)?.snapshot
  }

  /** Restarts in the last hour and the lag trend of a job (zero and null when unknown). */
  trend(cluster: string, jobId: string): JobTrend {
    return this.trends.trend(cluster, jobId, this.job(cluster, jobId), this.o.clock.now())
  }

  terminalSince(cluster: string, jobId: string): number | null {
    return this.entries.get(cluster)?.jobs.get(jobId)?.terminalSince ?? null
  }

  /** Every job with its terminalSince, unordered and uncopied (the exporter walks 10,000 jobs per scrape). */
  forEachJob(fn: (job: JobSnapshot, terminalSince: number | null) => void): void {
    for (const e of this.entries.values()) for (const j of e.jobs.values()) fn(j.snapshot, j.terminalSince)
  }

  // ---- collector outcomes ---------------------------------------------------------------------

  applySnapshot(clusterId: string, snap: ClusterSnapshot): void {
    const e = this.entries.get(clusterId)
    if (!e) return
    const now = this.o.clock.now()

    const foreign = snap.jobs.filter((j) => this.ownerElsewhere(clusterId, j.jobId))
    if (foreign.length > 0) {
      const owners = [...new Set(foreign.map((j) => this.ownerElsewhere(clusterId, j.jobId)))].join(', ')
      const message = `${clusterId} answered with ${foreign.length} job(s) of cluster ${owners}; ignoring them`
      if (foreign.length === snap.jobs.length) {
        // Only someone else's jobs: this is not our JobManager. Do not let our jobs look vanished.
        this.applyFailure(clusterId, new ForeignJobsError(message))
        return
      }
      this.warn(clusterId, 'foreign_jobs', message, '')
    }
    const own = foreign.length > 0 ? snap.jobs.filter((j) => !foreign.includes(j)) : snap.jobs

    for (const w of snap.warnings ?? []) this.warn(clusterId, w.reason, w.message, w.jobId ?? '')
    this.logOnce(`${clusterId}|probe`, '', () => e.status.lastError && this.o.logger.info({ cluster: clusterId }, 'cluster answers again'))

    const previous = e.known ? e.status.status : null
    e.status = {
      ...snap.cluster,
      jobs: { total: own.length, running: own.filter((j) => j.state === 'RUNNING').length },
      status: 'up',
      lastSeen: snap.at,
      consecutiveFailures: 0,
      lastError: null,
    }
    e.known = true
    if (previous !== 'up') this.o.bus.publish({ type: 'cluster.status', status: structuredClone(e.status), previous })
    for (const incident of snap.incidents) this.o.bus.publish({ type: 'cluster.incident', incident })

    const transitions = this.diffJobs(e, own, now)
    for (const t of transitions) this.o.bus.publish({ type: 'job.transition', transition: t })
    this.o.bus.publish({ type: 'fleet.updated', cluster: clusterId, jobs: [...e.jobs.values()].map((j) => j.snapshot), at: snap.at })
  }

  applyFailure(clusterId: string, err: unknown): void {
    const e = this.entries.get(clusterId)
    if (!e) return
    const reason = err instanceof ForeignJobsError ? 'foreign_jobs' : reasonOf(err)
    const message = errorMessage(err)
    this.o.counters?.error(clusterId, reason)
    e.status = { ...e.status, consecutiveFailures: e.status.consecutiveFailures + 1, lastError: message }
    this.logOnce(`${clusterId}|probe`, message, () =>
      this.o.logger.warn({ cluster: clusterId, reason, failures: e.status.consecutiveFailures }, `probe of cluster ${clusterId} failed: ${message}`),
    )
    if (e.status.consecutiveFailures >= e.spec.downAfter && (!e.known || e.status.status !== 'down')) {
      const previous = e.known ? e.status.status : null
      e.status = { ...e.status, status: 'down' }
      e.known = true
      this.o.logger.error({ cluster: clusterId, failures: e.status.consecutiveFailures }, `cluster ${clusterId} is down: ${message}`)
      this.o.bus.publish({ type: 'cluster.status', status: structuredClone(e.status), previous })
    }
  }

  // ---- internals ------------------------------------------------------------------------------

  private diffJobs(e: ClusterEntry, jobs: readonly JobSnapshot[], now: number): JobTransition[] {
    const out: JobTransition[] = []
    const seen = new Set<string>()
    const transition = (s: JobSnapshot, from: JobTransition['from'], exception: string | null): void => {
      out.push({ cluster: s.cluster, jobId: s.jobId, jobName: s.name, from, to: s.state, at: now, restarts: s.restarts, exception })
    }
    for (const s of jobs) {
      seen.add(s.jobId)
      const prev = e.jobs.get(s.jobId)
      const terminalSince = isTerminal(s.state) ? (prev?.terminalSince ?? now) : null
      if (!prev) {
        this.trends.observe(s, undefined, now)
        transition(s, null, s.latestException?.message ?? null)
        e.jobs.set(s.jobId, { snapshot: s, terminalSince, vanishedAt: null })
        this.listedBy.set(s.jobId, (this.listedBy.get(s.jobId) ?? 0) + 1)
        continue
      }
      // Collectors reuse a job's snapshot object while nothing changed: then there is nothing to compare.
      if (prev.snapshot !== s || prev.vanishedAt !== null) {
        this.trends.observe(s, prev.snapshot, now)
        if (prev.vanishedAt !== null || prev.snapshot.state !== s.state) transition(s, prev.snapshot.state, s.latestException?.message ?? null)
        else if (s.restarts > prev.snapshot.restarts) transition(s, s.state, s.latestException?.message ?? null)
      }
      // Updated in place: no new entry per job per poll.
      prev.snapshot = s
      prev.terminalSince = terminalSince
      prev.vanishedAt = null
    }
    const retention = this.o.vanishedRetentionMs ?? 10 * 60_000
    for (const [id, prev] of e.jobs) {
      if (seen.has(id)) continue
      if (prev.vanishedAt !== null) {
        if (now - prev.vanishedAt >= retention) this.forget(e, id)
      } else if (isTerminal(prev.snapshot.state)) {
        // Flink dropped a finished job from its job store (jobstore.expiration-time): nothing happened to it.
        this.forget(e, id)
      } else {
        const snapshot: JobSnapshot = { ...prev.snapshot, state: 'UNKNOWN', busy: null, backpressure: null, recordsInPerSec: null, recordsOutPerSec: null }
        e.jobs.set(id, { snapshot, terminalSince: null, vanishedAt: now })
        out.push({ cluster: snapshot.cluster, jobId: id, jobName: snapshot.name, from: prev.snapshot.state, to: 'UNKNOWN', at: now, restarts: snapshot.restarts, exception: 'job is no longer listed by its JobManager' })
      }
    }
    return out
  }

  private forget(e: ClusterEntry, jobId: string): void {
    e.jobs.delete(jobId)
    this.trends.forget(e.spec.id, jobId)
    const n = (this.listedBy.get(jobId) ?? 1) - 1
    if (n > 0) this.listedBy.set(jobId, n)
    else this.listedBy.delete(jobId)
  }

  /** The other cluster that currently runs this job id, if any. */
  private ownerElsewhere(clusterId: string, jobId: string): string | undefined {
    // O(1) for the usual case, a job id no other cluster lists (not O(clusters) per job per poll).
    const listed = this.listedBy.get(jobId) ?? 0
    if (listed === 0 || (listed === 1 && this.entries.get(clusterId)?.jobs.has(jobId))) return undefined
    for (const [id, e] of this.entries) {
      if (id === clusterId || !e.known || e.status.status !== 'up') continue
      const j = e.jobs.get(jobId)
      if (j && j.vanishedAt === null && !isTerminal(j.snapshot.state)) return id
    }
    return undefined
  }

  private warn(cluster: string, reason: CollectorErrorReason, message: string, jobId: string): void {
    this.o.counters?.error(cluster, reason)
    this.logOnce(`${cluster}|${jobId}|${reason}`, message, () => this.o.logger.warn({ cluster, reason, ...(jobId ? { jobId } : {}) }, message))
  }
}

class ForeignJobsError extends Error {
  override readonly name = 'ForeignJobsError'
}
