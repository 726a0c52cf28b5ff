/**
 * A job as the fleet table shows it: the API's `JobSummary` (GET /api/v1/jobs and the `jobs` stream's
 * `updates`). Built here, in the fleet feature, because the stream topic builds it too; the HTTP layer only
 * declares its schema.
 */
import type { CheckpointInfo, JobSnapshot, JobState } from '../model/job.js'
import type { FleetView } from './fleet-view.js'
import type { FleetTrends } from './job-trends.js'

export interface CheckpointView extends CheckpointInfo {
  /** Seconds between completion and now. */
  ageSeconds: number
}

export interface JobSummary {
  cluster: string
  jobId: string
  name: string
  state: JobState
  startTime: number | null
  restarts: number
  restartsLastHour: number
  lastCheckpoint: CheckpointView | null
  /** Flink's failed-checkpoint count; null when checkpoint statistics are unknown. */
  failedCheckpoints: number | null
  lag: number | null
  lagTrend: number | null
  backpressure: number | null
  busy: number | null
  /** RUNNING jobs: now − startTime. */
  uptimeMs: number | null
}

export function checkpointView(c: CheckpointInfo | null, now: number): CheckpointView | null {
  return c ? { ...c, ageSeconds: Math.max(0, (now - c.completedAt) / 1000) } : null
}

export function jobSummary(j: JobSnapshot, now: number, view: FleetView & Partial<FleetTrends>): JobSummary {
  const t = view.trend?.(j.cluster, j.jobId) ?? { restartsLastHour: 0, lagTrend: null }
  return {
    cluster: j.cluster,
    jobId: j.jobId,
    name: j.name,
    state: j.state,
    startTime: j.startTime,
    restarts: j.restarts,
    restartsLastHour: t.restartsLastHour,
    lastCheckpoint: checkpointView(j.checkpoints?.lastCompleted ?? null, now),
    failedCheckpoints: j.checkpoints?.failed ?? null,
    lag: j.lag,
    lagTrend: t.lagTrend,
    backpressure: j.backpressure,
    busy: j.busy,
    uptimeMs: j.state === 'RUNNING' && j.startTime !== null ? Math.max(0, now - j.startTime) : null,
  }
}
