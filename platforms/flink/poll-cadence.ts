/**
 * When the JobManager poller asks what, as pure functions of a job's tracking state and the time:
 * whether a job whose state did not change is due for detail, the order in which changed jobs get
 * their (expensive) change-driven detail.
 */
import { isTerminal } from '../../src/model/job.js'
import type { Track } from './job-track.js'
import { discoveryDue } from './source-metrics.js'

export interface Cadence {
  /** Minimum spacing of `/jobs/:id/checkpoints` for a job whose state did not change. */
  checkpointIntervalMs: number
  /** Minimum spacing of vertex metrics per job. */
  metricsIntervalMs: number
}

/** Whether refreshJob would send anything (or change anything) for a job whose state did not change. */
export function isDue(t: Track, now: number, c: Cadence): boolean {
  if (isTerminal(t.state)) return false
  if (!t.checkpointsDisabled && t.state !== 'INITIALIZING' && t.state !== 'CREATED' && (t.checkpointsAt === null || now - t.checkpointsAt >= c.checkpointIntervalMs)) return true
  if (t.state !== 'RUNNING') return t.measured.size > 0 || t.metricsAt !== null
  if (t.vertices.length === 0) return false
  if (t.metricsAt === null || now - t.metricsAt >= c.metricsIntervalMs) return true
  for (const v of t.vertices) if (v.isSource && discoveryDue(t.sourceIds.get(v.id), now)) return true
  return false
}

/**
 * The jobs to refresh this poll: at most `maxChanged` of the changed ones, then every due one.
 * Change-driven detail costs ~8 requests per job; a big cluster seen for the first time is read over
 * several polls (real state changes before first sightings), so no poll floods its JobManager. Order:
 * real state changes, then jobs never tried, then jobs whose detail failed longest ago (a job whose
 * endpoints keep failing must not starve the others). Sorts `changed` in place.
 */
export function detailWork(changed: Track[], due: Track[], maxChanged: number): Track[] {
  if (changed.length === 0) return due
  changed.sort((a, b) => rank(a) - rank(b) || (a.detailTriedAt ?? 0) - (b.detailTriedAt ?? 0))
  return [...changed.slice(0, maxChanged), ...due]
}

function rank(t: Track): number {
  return t.detailKey !== null ? 0 : t.detailTriedAt === null ? 1 : 2
}
