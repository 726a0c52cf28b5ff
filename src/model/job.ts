/** Flink's job states, plus UNKNOWN for what a platform reports that Flink does not. */
export const JOB_STATES = [
  'INITIALIZING',
  'CREATED',
  'RUNNING',
  'FAILING',
  'FAILED',
  'CANCELLING',
  'CANCELED',
  'FINISHED',
  'RESTARTING',
  'SUSPENDED',
  'RECONCILING',
  'UNKNOWN',
] as const
export type JobState = (typeof JOB_STATES)[number]

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['FAILED', 'CANCELED', 'FINISHED', 'SUSPENDED'])

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.has(state)
}

export function toJobState(raw: string): JobState {
  const up = raw.toUpperCase()
  return (JOB_STATES as readonly string[]).includes(up) ? (up as JobState) : 'UNKNOWN'
}

export interface CheckpointInfo {
  id: number
  /** Epoch ms when it completed. */
  completedAt: number
  durationMs: number
  sizeBytes: number
  externalPath: string | null
  isSavepoint: boolean
}

export interface CheckpointStats {
  completed: number
  failed: number
  inProgress: number
  /** Configured interval in ms; null when checkpointing is off (Flink reports Long.MAX_VALUE). */
  intervalMs: number | null
  lastCompleted: CheckpointInfo | null
  lastSavepoint: CheckpointInfo | null
  lastFailedAt: number | null
  lastFailureMessage: string | null
}

export interface JobException {
  timestamp: number
  /** First line of the root exception. */
  message: string
  stackTrace: string | null
  taskName: string | null
  location: string | null
}

export interface VertexSnapshot {
  id: string
  name: string
  parallelism: number
  maxParallelism: number | null
  status: string | null
  /** Max over subtasks, 0..1. */
  busy: number | null
  backpressure: number | null
  /** Skew: max subtask busy / mean subtask busy. */
  busySkew: number | null
  recordsInPerSec: number | null
  recordsOutPerSec: number | null
  /** Kafka source lag for this vertex (pendingRecords or records-lag-max). */
  lag: number | null
  isSource: boolean
}

export interface JobSnapshot {
  cluster: string
  jobId: string
  name: string
  state: JobState
  startTime: number | null
  endTime: number | null
  /** Restarts since the job was submitted (numRestarts / fullRestarts). */
  restarts: number
  checkpoints: CheckpointStats | null
  latestException: JobException | null
  lag: number | null
  backpressure: number | null
  busy: number | null
  recordsInPerSec: number | null
  recordsOutPerSec: number | null
  vertices: VertexSnapshot[]
  /** TaskManager resource figures for the job's TaskManagers, when known. */
  resources: JobResources | null
}

export interface JobResources {
  cpuLoad: number | null
  heapUsedBytes: number | null
  heapMaxBytes: number | null
  managedMemoryBytes: number | null
  gcTimeMsPerSec: number | null
  taskManagers: number
}

/** Seen by the fleet when a job's state changes between two polls. */
export interface JobTransition {
  cluster: string
  jobId: string
  jobName: string
  from: JobState | null
  to: JobState
  at: number
  restarts: number
  exception: string | null
}
