/**
 * One interface for the lifecycle of a job, whatever runs it: a Flink session cluster (REST), Flink on
 * YARN (RM + JobManager), or the Flink Kubernetes Operator (custom resources). The operation service
 * (operations.ts) wraps every call in an Operation with an audit event; auto-restart and the HTTP API only
 * talk to this interface.
 */
import type { RestartJobPolicy } from '../config/sections/auto-restart.js'
import type { ClusterType } from '../model/cluster.js'
import type { JobPlatformRef } from '../model/job.js'
import type { RestorePoint } from '../model/operation.js'

/** The job an action is about. A job is the same job across restarts by cluster and name. */
export interface JobRef {
  cluster: string
  jobId: string
  jobName: string
  /** Last state flinkwatch saw (RUNNING, FAILED, …); implementations re-read it before acting. */
  state: string | null
  platform?: JobPlatformRef
}

export interface ActionContext {
  signal: AbortSignal
  /** Progress in words, shown as the operation's message while it runs. */
  progress(message: string): void
}

export interface StopOptions {
  /** Emit MAX_WATERMARK and flush event-time timers before the savepoint (stop --drain). */
  drain: boolean
}

export interface RestartOptions {
  /** How to resubmit (jar, entry class, args, parallelism, command template); matched by job name. */
  policy: RestartJobPolicy | null
  /** Start without state when no restore point exists (otherwise the restart fails). */
  allowFreshStart: boolean
  /** Restore from exactly this point instead of looking one up (a savepoint just taken). */
  restorePoint?: RestorePoint
}

export interface CancelResult {
  finalState: string | null
}

export interface SavepointResult {
  savepointPath: string
  finalState?: string | null
}

export interface RestartResult {
  newJobId: string | null
  restoredFrom: RestorePoint | null
  /** What happened to the previous instance: stopped with a savepoint, canceled, or nothing (it was terminal). */
  previous: 'stopped' | 'canceled' | 'terminal'
  details: Record<string, unknown>
}

export interface LifecycleActions {
  readonly clusterType: ClusterType
  cancel(job: JobRef, ctx: ActionContext): Promise<CancelResult>
  stop(job: JobRef, opts: StopOptions, ctx: ActionContext): Promise<SavepointResult>
  savepoint(job: JobRef, ctx: ActionContext): Promise<SavepointResult>
  /** Stop or cancel if running, then resubmit from the newest restore point (re-read now). */
  restart(job: JobRef, opts: RestartOptions, ctx: ActionContext): Promise<RestartResult>
  /** The newest retained checkpoint or savepoint of any instance of this job, read now. */
  latestRestorePoint(job: JobRef, ctx: ActionContext): Promise<RestorePoint | null>
  /** Whether an instance of this job (by name) is running or about to: auto-restart never starts a second copy. */
  activeInstance(job: JobRef, ctx: ActionContext): Promise<{ jobId: string; state: string } | null>
}
