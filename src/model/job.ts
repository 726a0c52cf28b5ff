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
  /**
   * When flinkwatch last read these figures from the platform (absent: with this snapshot). They are read
   * less often than the job's state, and not at all when a poll runs out of time, so ages are judged as of
   * then: a slow JobManager must not look like a job whose checkpoints stopped.
   */
  observedAt?: number
}

export interface JobException {
  timestamp: number
  /** First line of the root exception. */
  message: string
  stackTrace: string | null
  taskName: string | null
  location: string | null
  /** Flink ≥ 1.18 failure enricher labels (FLIP-304), when any enricher set them. */
  failureLabels?: Record<string, string>
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
  /** Newest first, a few at most (Flink's exception history); absent when the collector does not know. */
  exceptions?: JobException[]
  lag: number | null
  backpressure: number | null
  busy: number | null
  recordsInPerSec: number | null
  recordsOutPerSec: number | null
  vertices: VertexSnapshot[]
  /** TaskManager resource figures for the job's TaskManagers, when known. */
  resources: JobResources | null
  /** Where the job lives on YARN or Kubernetes (absent for plain Flink clusters); lifecycle actions use it. */
  platform?: JobPlatformRef
}

/** The platform object that owns a job, as the YARN and Kubernetes collectors saw it. */
export interface JobPlatformRef {
  /** YARN application id (application_<clusterTimestamp>_<seq>). */
  applicationId?: string
  /** YARN application attempt that runs the JobManager. */
  attempt?: number | null
  /** Kubernetes object that owns the job; `native` = a Flink native-Kubernetes cluster without the operator. */
  kubernetes?: { kind: 'FlinkDeployment' | 'FlinkSessionJob' | 'native'; namespace: string; name: string; deployment?: string }
  /** JobManager REST base URL the job was read through (RM proxy, API-server service proxy or direct). */
  jobManagerUrl?: string | null
  /** JobManager address itself (host:port) when the platform reports it, e.g. YARN amRPCAddress. */
  jobManagerAddress?: string | null
  /** The platform's own words for the state, for display: "RUNNING/UNDEFINED", "STABLE/READY". */
  platformState?: string
  /** The platform's last error (operator status.error, YARN diagnostics). */
  platformError?: string | null
}

/** A job with every Flink figure unknown; collectors and tests fill in what they know. */
export function emptyJob(cluster: string, jobId: string, name: string, state: JobState, startTime: number | null): JobSnapshot {
  return {
    cluster,
    jobId,
    name,
    state,
    startTime,
    endTime: null,
    restarts: 0,
    checkpoints: null,
    latestException: null,
    lag: null,
    backpressure: null,
    busy: null,
    recordsInPerSec: null,
    recordsOutPerSec: null,
    vertices: [],
    resources: null,
  }
}

/** A job known only from its platform (no JobManager detail). */
export function platformOnlyJob(cluster: string, jobId: string, name: string, state: JobState, startTime: number | null, platform: JobPlatformRef): JobSnapshot {
  return { ...emptyJob(cluster, jobId, name, state, startTime), platform }
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
