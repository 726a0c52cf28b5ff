/**
 * Which state a job resumes from. Only completed, externally addressable checkpoints and savepoints count;
 * the newest wins, whoever wrote it (any instance of the job, or the remembered newest point when the
 * JobManager forgot older instances after a failover). The path a job was *started* from (Flink's
 * `latest.restored`, a configured initial savepoint) is never a candidate: that is how peers ended up
 * restoring a ten-day-old savepoint after a JobManager failover (peers.md).
 */
import { ConflictError, type AppError } from '../core/errors.js'
import type { RestorePoint } from '../model/operation.js'
import type { CheckpointStats } from '../model/job.js'

export interface RestoreCandidates {
  /** Read from the cluster now: completed checkpoints and savepoints of each listed instance. */
  observed: readonly RestorePoint[]
  /** Remembered newest point of this job (store), if any. */
  remembered?: RestorePoint | null
  /** Paths that must not be used (the path the job was first started from, paths known to be gone). */
  exclude?: readonly string[]
}

export function chooseRestorePoint(c: RestoreCandidates): RestorePoint | null {
  const excluded = new Set(c.exclude ?? [])
  let best: RestorePoint | null = null
  for (const p of [...c.observed, ...(c.remembered ? [c.remembered] : [])]) {
    if (!p.path || excluded.has(p.path)) continue
    // Newest first; on a tie a savepoint wins (it is self-contained, a checkpoint may be incremental).
    if (!best || p.completedAt > best.completedAt || (p.completedAt === best.completedAt && p.kind === 'savepoint' && best.kind !== 'savepoint')) best = p
  }
  return best
}

/**
 * The candidates one job instance offers (its checkpoint statistics in model form, decoded at the Flink edge):
 * the latest completed checkpoint and the latest savepoint, if externally addressable. The path the instance
 * was started from (Flink's `latest.restored`) is not part of CheckpointStats on purpose: it is never newer
 * than what the instance that wrote it reports, and after a JobManager failover it is the stale path peers
 * restored from.
 */
export function restorePointsOf(jobId: string, cps: Pick<CheckpointStats, 'lastCompleted' | 'lastSavepoint'>): RestorePoint[] {
  const out: RestorePoint[] = []
  for (const c of [cps.lastCompleted, cps.lastSavepoint]) {
    if (!c?.externalPath) continue
    out.push({ path: c.externalPath, kind: c.isSavepoint ? 'savepoint' : 'checkpoint', completedAt: c.completedAt, jobId })
  }
  return out
}

/** The point to restore from, or null for a fresh start when that is allowed; otherwise the clear error. */
export function requireRestorePoint(point: RestorePoint | null, allowFreshStart: boolean, job: { cluster: string; jobName: string }): RestorePoint | null {
  if (!point && !allowFreshStart) throw noRestorePoint(job)
  return point
}

export function noRestorePoint(job: { cluster: string; jobName: string }): AppError {
  return new ConflictError(
    `no retained checkpoint or savepoint exists for job "${job.jobName}" on cluster ${job.cluster}: refusing to start it without state (enable retained checkpoints, take a savepoint, or set allowFreshStart on its autoRestart.jobs entry)`,
  )
}

/** The Flink REST request field and value for "do not take ownership of the restored snapshot". */
export function restoreModeField(flinkVersion: string | null): { claimMode: 'NO_CLAIM' } | { restoreMode: 'NO_CLAIM' } {
  // FLINK-34454 renamed restoreMode to claimMode in 1.20; the old name is deprecated there, the new unknown before.
  const m = /^(\d+)\.(\d+)/.exec(flinkVersion ?? '')
  const major = m ? Number(m[1]) : 1
  const minor = m ? Number(m[2]) : 20
  return major > 1 || minor >= 20 ? { claimMode: 'NO_CLAIM' } : { restoreMode: 'NO_CLAIM' }
}
