import type { ClusterStatus } from '../model/cluster.js'
import type { JobSnapshot, JobState } from '../model/job.js'

export interface JobFilter {
  cluster?: string
  state?: JobState
  /** Case-insensitive substring of the job name or id. */
  q?: string
}

/**
 * The read side of the fleet: what every collector saw last. Other features (rules, auto-restart,
 * recommendations, the API) read it instead of talking to collectors; they get it from
 * `createFleetModule(ctx).view` (app.ts passes it on). Changes are pushed on the EventBus
 * (`job.transition`, `cluster.status`, `fleet.updated`).
 */
export interface FleetView {
  /** Every configured cluster, in configuration order. */
  clusters(): ClusterStatus[]
  cluster(id: string): ClusterStatus | undefined
  /** Latest snapshots, ordered by cluster then name. Vanished jobs stay as UNKNOWN for a while. */
  jobs(filter?: JobFilter): JobSnapshot[]
  job(cluster: string, jobId: string): JobSnapshot | undefined
  /** Epoch ms when the fleet first saw the job in a terminal state; null while it is not terminal. */
  terminalSince(cluster: string, jobId: string): number | null
}

/** Optional fast path of a FleetView (FleetState has it): every job, unordered and uncopied. */
export interface FleetJobIteration {
  forEachJob(fn: (job: JobSnapshot, terminalSince: number | null) => void): void
}
