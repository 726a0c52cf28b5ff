import type { JobSnapshot } from './job.js'

export type ClusterType = 'flink' | 'yarn' | 'kubernetes'

export interface ClusterStatus {
  id: string
  type: ClusterType
  status: 'up' | 'down'
  version: string | null
  taskManagers: number
  slots: { total: number; available: number }
  jobs: { total: number; running: number }
  /** Epoch ms of the last successful probe. */
  lastSeen: number | null
  /** Failed probes in a row; the cluster is down at config `downAfter`. */
  consecutiveFailures: number
  lastError: string | null
  /** The JobManager address currently answering (changes on YARN/Kubernetes failover). */
  jobManagerUrl: string | null
  webUiUrl: string | null
}

/** Something a collector saw that is not a job state: pods killed, JobManager moved. */
export interface ClusterIncident {
  kind: 'taskmanager-lost' | 'taskmanager-oom-killed' | 'taskmanager-evicted' | 'jobmanager-failover'
  cluster: string
  /** Pod name, container id or JobManager address. */
  subject: string
  message: string
  at: number
  jobName?: string
}

/** What a collector returns each poll. */
export interface ClusterSnapshot {
  cluster: Omit<ClusterStatus, 'status' | 'consecutiveFailures' | 'lastError' | 'lastSeen'>
  jobs: JobSnapshot[]
  incidents: ClusterIncident[]
  /** When the snapshot was taken (epoch ms). */
  at: number
  /**
   * Problems that did not fail the probe (a job's detail endpoint timed out, a payload did not
   * decode): the fleet logs them once per change and counts them by reason.
   */
  warnings?: CollectorWarning[]
  /** HTTP requests this poll made against the cluster (for the request-rate metric and benchmark). */
  requests?: number
}

/** A non-fatal collector problem; `reason` is a closed set used as a metric label. */
export interface CollectorWarning {
  reason: CollectorErrorReason
  message: string
  jobId?: string
}

/** Why a probe or a detail request failed (bounded metric label values). */
export type CollectorErrorReason =
  | 'timeout'
  | 'connect'
  | 'leader_election'
  | 'http_4xx'
  | 'http_5xx'
  | 'not_found'
  | 'decode'
  | 'foreign_jobs'
  | 'aborted'
  | 'other'
