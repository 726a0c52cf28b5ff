/**
 * The orders of GET /api/v1/jobs and its pages. Each order is a sort key per job, compared by code
 * units, so a page's cursor is just the key of its last job: any cursor names a place in the order
 * (the next page starts after it, whether or not that job still exists), and paging a changing fleet
 * neither repeats nor skips a job whose key did not change.
 *
 * - cluster: by cluster, then name, then id (a job's place never changes: the order to page a complete list);
 * - severity: failing states first (the console's default sort: ui/src/pages/fleet-data.ts restates it, as the
 *   console imports no server code), then name, cluster and id. A job whose state changes between two pages
 *   moves, so it may be seen twice or not at all: page in cluster order for a complete list.
 */
import type { JobSnapshot, JobState } from '../model/job.js'

export const JOB_ORDERS = ['cluster', 'severity'] as const
export type JobOrder = (typeof JOB_ORDERS)[number]

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

// NUL sorts before every other character, so joined keys compare field by field.
const SEP = '\u0000'

function orderKey(order: JobOrder, j: JobSnapshot): string {
  return order === 'cluster'
    ? `${j.cluster}${SEP}${j.name}${SEP}${j.jobId}`
    : `${String.fromCharCode(65 + SEVERITY_ORDER[j.state])}${SEP}${j.name}${SEP}${j.cluster}${SEP}${j.jobId}`
}

export interface JobPage {
  jobs: JobSnapshot[]
  /** Jobs in the whole (filtered) list. */
  total: number
  /** Where the next page starts; null on the last page. */
  nextCursor: string | null
}

/** The jobs after `cursor` in `order`, at most `limit` of them (all without a limit). */
export function jobPage(jobs: readonly JobSnapshot[], order: JobOrder, limit?: number, cursor?: string): JobPage {
  const keyed = jobs.map((job) => ({ job, key: orderKey(order, job) }))
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const start = cursor === undefined ? 0 : firstAfter(keyed, Buffer.from(cursor, 'base64url').toString('utf8'))
  const end = limit === undefined ? keyed.length : Math.min(keyed.length, start + limit)
  const more = end < keyed.length
  return {
    jobs: keyed.slice(start, end).map((k) => k.job),
    total: jobs.length,
    nextCursor: more && end > start ? Buffer.from(keyed[end - 1]!.key).toString('base64url') : null,
  }
}

function firstAfter(keyed: readonly { key: string }[], after: string): number {
  let lo = 0
  let hi = keyed.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keyed[mid]!.key <= after) lo = mid + 1
    else hi = mid
  }
  return lo
}
