/** Shapes of the /api/v1 responses the console reads (see /docs/json; the server's TypeBox schemas are the source). */

export type Role = 'viewer' | 'operator' | 'admin'
export interface WhoAmI { name: string; role: Role; authEnabled: boolean }

export interface Cluster {
  id: string
  type: 'flink' | 'yarn' | 'kubernetes'
  status: 'up' | 'down'
  version: string | null
  taskManagers: number
  slots: { total: number; available: number }
  jobs: { total: number; running: number }
  lastSeen: number | null
  consecutiveFailures: number
  lastError: string | null
  webUiUrl: string | null
}

export interface Checkpoint {
  id: number
  completedAt: number
  ageSeconds: number
  durationMs: number
  sizeBytes: number
  externalPath: string | null
  isSavepoint: boolean
}

export interface JobSummary {
  cluster: string
  jobId: string
  name: string
  state: string
  startTime: number | null
  restarts: number
  lastCheckpoint: Checkpoint | null
  lag: number | null
  backpressure: number | null
  busy: number | null
  // Added by issue 13 (optional until the server sends them).
  restartsLastHour?: number
  failedCheckpoints?: number | null
  lagTrend?: number | null
  uptimeMs?: number | null
}

export interface JobException {
  timestamp: number
  message: string
  stackTrace: string | null
  taskName: string | null
  location: string | null
}

export interface JobDetail {
  cluster: string
  jobId: string
  name: string
  state: string
  startTime: number | null
  endTime: number | null
  restarts: number
  lag: number | null
  backpressure: number | null
  busy: number | null
  recordsInPerSec: number | null
  recordsOutPerSec: number | null
  checkpoints: {
    completed: number
    failed: number
    inProgress: number
    intervalMs: number | null
    lastCompleted: Checkpoint | null
    lastSavepoint: Checkpoint | null
    lastFailedAt: number | null
    lastFailureMessage: string | null
  } | null
  exceptions: JobException[]
  vertices: {
    id: string
    name: string
    parallelism: number
    busy: number | null
    backpressure: number | null
    recordsInPerSec: number | null
    recordsOutPerSec: number | null
    lag: number | null
    isSource: boolean
  }[]
  resources: { cpuLoad: number | null; heapUsedBytes: number | null; heapMaxBytes: number | null; taskManagers: number } | null
}

export interface HistorySample {
  at: number
  state: string | null
  parallelism: number | null
  busy: number | null
  backpressure: number | null
  recordsInPerSec: number | null
  recordsOutPerSec: number | null
  lag: number | null
  cpuLoad: number | null
  heapUsedBytes: number | null
  heapMaxBytes: number | null
  gcTimeMsPerSec: number | null
  restarts: number | null
  checkpointDurationMs: number | null
  checkpointSizeBytes: number | null
}

export interface TimelineEvent {
  at: number
  kind: 'state' | 'restart' | 'failure' | 'checkpoint' | 'checkpoint-failed' | 'action' | 'incident'
  from: string | null
  to: string | null
  message: string
}

export interface RestorePoint { path: string; kind: 'checkpoint' | 'savepoint'; at: number; source: string }

export interface Operation {
  id: string
  action: string
  cluster: string
  jobId: string
  jobName: string | null
  status: 'pending' | 'running' | 'succeeded' | 'failed'
  requestedBy: string
  createdAt: number
  updatedAt: number
  message: string | null
  result: Record<string, unknown> | null
}

export interface LogHit {
  id: string
  timestamp: string
  level: string | null
  message: string
  logger: string | null
  thread: string | null
  cluster: string | null
  jobId: string | null
  jobName: string | null
  taskManager: string | null
  stackTrace: string | null
  truncated: boolean
  marker: boolean
  highlight: string | null
}

export interface Alert {
  id: string
  rule: string
  severity: 'critical' | 'warning' | 'info'
  state: 'pending' | 'firing' | 'resolved'
  cluster: string
  jobId: string | null
  jobName: string | null
  summary: string
  startsAt: number
  endsAt: number | null
  labels: Record<string, string>
  figures: Record<string, number | string | null>
  inhibitedBy?: string | null
  silencedBy?: string | null
  notified?: boolean
  lastNotifiedAt?: number | null
  /** Why it failed (job-failure and restart-loop incidents). */
  cause?: {
    class: string
    owner: 'platform' | 'job'
    title: string
    hint: string
    runbook: string | null
    evidence: { exception: string | null; frames: string[]; logs: { at: number; level: string; taskManager: string | null; text: string }[]; countLast7d: number }
  }
}

export interface Notification {
  channel: string
  kind: string
  state: string
  messageId: string | null
  createdAt: number
  sentAt: number | null
  reason?: string | null
}

export type ChannelHealth = Record<string, { healthy: boolean; detail: string; queued: number }>

export interface Silence {
  id: string
  matchers: { cluster?: string; job?: string; rule?: string; severity?: string }
  startsAt: number
  endsAt: number
  createdBy: string
  comment: string
  expiredAt: number | null
  active: boolean
}

export interface Recommendation {
  cluster: string
  jobName: string
  jobId: string
  computedAt: number
  vertices: { vertexId: string; vertexName: string; isSource: boolean; parallelism: { current: number; recommended: number | null; reason: string; confidence: string } }[]
  taskManager: {
    heapBytes: { current: number | null; recommended: number | null; reason: string; confidence: string }
    managedMemoryBytes: { current: number | null; recommended: number | null; reason: string; confidence: string }
  }
}
