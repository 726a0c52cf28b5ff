/**
 * The fleet's "needs attention first" order: failing states before healthy ones, then by name. The console's
 * default sort is the same (ui/src/pages/fleet-data.ts restates it, as the console imports no server code),
 * so the first screen of GET /api/v1/jobs?sort=severity&limit=N is the top of the table it will show.
 */
import type { JobSnapshot, JobState } from '../model/job.js'

export const SEVERITY_ORDER: Readonly<Record<JobState, number>> = {
  FAILED: 0,
  FAILING: 1,
  RESTARTING: 2,
  CANCELLING: 3,
  INITIALIZING: 4,
  CREATED: 5,
  RECONCILING: 6,
  RUNNING: 7,
  SUSPENDED: 8,
  CANCELED: 9,
  FINISHED: 10,
  UNKNOWN: 11,
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** Sorted copy: severity, then name, cluster and id (the same ties as the cluster order breaks). */
export function bySeverity(jobs: readonly JobSnapshot[]): JobSnapshot[] {
  return [...jobs].sort((a, b) => SEVERITY_ORDER[a.state] - SEVERITY_ORDER[b.state] || cmp(a.name, b.name) || cmp(a.cluster, b.cluster) || cmp(a.jobId, b.jobId))
}
