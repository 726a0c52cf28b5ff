/**
 * What flinkwatch knows at a failure, gathered into the classifier's input: the job's exceptions
 * (newest = the failure, older ones in the window as events), its checkpoint failure, the
 * platform's error (YARN diagnostics, operator status), the cluster's incidents around it (pods
 * OOM-killed, evicted or dead, JobManager failovers) and the job's WARN+ log lines in the window,
 * read through the Store seam (SQLite and Elasticsearch alike).
 */
import type { ClusterIncident } from '../model/cluster.js'
import type { JobSnapshot } from '../model/job.js'
import type { LogRecord } from '../model/log-record.js'
import type { Store } from '../storage/store.js'
import { sleep, type Clock } from '../core/clock.js'
import { FIELD, LOGS_COLLECTION, fromDocument } from '../logs/document.js'
import type { FailureInput } from './classifier.js'

export interface FailureSubject {
  cluster: string
  jobId: string | null
  jobName: string | null
  /** When the failure was detected (epoch ms). */
  at: number
}

export interface GatheredFailure {
  input: FailureInput
  /** The WARN+ lines read, newest first (evidence picks from them). */
  logs: LogRecord[]
  job: JobSnapshot | undefined
}

export interface EvidenceOptions {
  store: Store
  job(cluster: string, jobId: string): JobSnapshot | undefined
  /** Lines read before the failure; a tenth of it after (the dying TaskManager's last words). */
  windowMs: number
  /** WARN+ lines read at most. */
  maxLines?: number
  /**
   * Shipped lines are still on their way when a failure is seen (TaskManager → Kafka → bulk → store):
   * with a log source configured, a window without any line is read once more after this long. 0: never.
   */
  lateLinesMs?: number
  clock?: Clock
}

const INCIDENT_MEMORY_MS = 30 * 60_000
const MAX_INCIDENTS_PER_CLUSTER = 500
export const WARN_AND_WORSE = ['WARN', 'ERROR', 'FATAL'] as const

export function logText(r: Pick<LogRecord, 'message' | 'stackTrace'>): string {
  return r.stackTrace ? `${r.message}\n${r.stackTrace}` : r.message
}

export class FailureEvidence {
  private readonly incidents = new Map<string, ClusterIncident[]>()
  /** The last `fleet.updated` job list per cluster (a reference, not a copy): what the rules judged. */
  private readonly lastJobs = new Map<string, readonly JobSnapshot[]>()

  constructor(private readonly o: EvidenceOptions) {}

  /** Remembers the snapshots a poll published (bus `fleet.updated`): the failure's exception is in them. */
  onFleet(cluster: string, jobs: readonly JobSnapshot[]): void {
    this.lastJobs.set(cluster, jobs)
  }

  private findJob(cluster: string, jobId: string): JobSnapshot | undefined {
    return this.o.job(cluster, jobId) ?? this.lastJobs.get(cluster)?.find((j) => j.jobId === jobId)
  }

  /** Remembers a cluster incident (bus `cluster.incident`) for failures that follow it. */
  onIncident(i: ClusterIncident): void {
    let list = this.incidents.get(i.cluster)
    if (!list) this.incidents.set(i.cluster, (list = []))
    list.push(i)
    const cutoff = i.at - INCIDENT_MEMORY_MS
    while (list.length > 0 && (list[0]!.at < cutoff || list.length > MAX_INCIDENTS_PER_CLUSTER)) list.shift()
  }

  async gather(s: FailureSubject): Promise<GatheredFailure> {
    const job = s.jobId ? this.findJob(s.cluster, s.jobId) : undefined
    const from = s.at - this.o.windowMs
    const to = s.at + Math.max(60_000, Math.round(this.o.windowMs / 10))
    let logs = await this.readLogs(s, from, to)
    if (logs.length === 0 && this.o.lateLinesMs && this.o.clock && this.o.clock.now() - s.at < this.o.lateLinesMs) {
      await sleep(this.o.clock, this.o.lateLinesMs)
      logs = await this.readLogs(s, from, to)
    }
    return { input: failureInput(job, this.recentIncidents(s, from, to), logs, from), logs, job }
  }

  private recentIncidents(s: FailureSubject, from: number, to: number): ClusterIncident[] {
    return (this.incidents.get(s.cluster) ?? []).filter((i) => i.at >= from - 5 * 60_000 && i.at <= to && (!i.jobName || !s.jobName || i.jobName === s.jobName))
  }

  private async readLogs(s: FailureSubject, from: number, to: number): Promise<LogRecord[]> {
    // A Flink job id is unique across clusters, and the cluster name TaskManagers log with (`flink.cluster`)
    // need not be flinkwatch's cluster id: with the id, the cluster is not asked for.
    const where: Record<string, string | readonly string[]> = { [FIELD.level]: WARN_AND_WORSE }
    if (s.jobId) where[FIELD.jobId] = s.jobId
    else if (s.jobName) {
      where[FIELD.jobName] = s.jobName
      where[FIELD.cluster] = s.cluster
    } else return []
    const r = await this.o.store.query(LOGS_COLLECTION, { where, from, to, order: 'desc', limit: this.o.maxLines ?? 200 })
    return r.docs.map(fromDocument).filter((l) => !l.marker)
  }
}

/** The classifier's input from what the fleet, the platform collectors and the logs hold. */
export function failureInput(job: JobSnapshot | undefined, incidents: readonly ClusterIncident[], logs: readonly LogRecord[], from: number): FailureInput {
  const input: FailureInput = {}
  const events: string[] = []
  const latest = job?.latestException ?? job?.exceptions?.[0] ?? null
  if (latest) input.exception = latest.stackTrace ?? latest.message
  if (latest?.failureLabels) input.failureLabels = latest.failureLabels
  for (const e of job?.exceptions ?? []) {
    if (e === latest || e.timestamp < from || (latest && e.timestamp === latest.timestamp)) continue
    events.push(e.stackTrace ?? e.message)
  }
  const cp = job?.checkpoints
  if (cp?.lastFailureMessage && cp.lastFailedAt !== null && cp.lastFailedAt >= from) events.push(`Checkpoint failed: ${cp.lastFailureMessage}`)
  const platformError = job?.platform?.platformError
  if (platformError) {
    if (job?.platform?.applicationId) {
      const exit = /exit(?:ed with)? (?:code|status)(?: is)?:?\s*(-?\d+)/i.exec(platformError)
      input.yarn = { diagnostics: platformError, ...(exit ? { exitStatus: Number(exit[1]) } : {}) }
    } else events.push(platformError)
  }
  for (const i of incidents) {
    const exit = /exit code (-?\d+)/i.exec(i.message)
    if (i.kind === 'taskmanager-oom-killed') input.pod = { reason: 'OOMKilled', exitCode: exit ? Number(exit[1]) : 137, message: i.message }
    else if (i.kind === 'taskmanager-evicted' && input.pod?.reason !== 'OOMKilled') input.pod = { reason: 'Evicted', message: i.message }
    else if (i.kind === 'taskmanager-lost' && !input.pod) input.pod = { reason: 'Error', ...(exit ? { exitCode: Number(exit[1]) } : {}), message: i.message }
    events.push(i.kind === 'jobmanager-failover' ? `jobmanager-failover: ${i.message}` : i.message)
  }
  if (events.length > 0) input.events = events
  if (logs.length > 0) input.logs = logs.map(logText)
  return input
}
