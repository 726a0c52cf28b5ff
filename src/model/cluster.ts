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
}
