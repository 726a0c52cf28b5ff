/**
 * The fleet page's data: jobs keyed by cluster/jobId, updated from the WebSocket in batches (one merge per
 * animation frame however many messages arrived), firing alerts and recommendations joined per job.
 */
import type { Alert, JobSummary, Recommendation } from '../types.js'

export const jobKey = (cluster: string, jobId: string) => `${cluster}\u0000${jobId}`

export interface FleetRow extends JobSummary {
  firing: number
  recommendation: string | null
}

export type SortColumn = 'state' | 'name' | 'cluster' | 'uptime' | 'restarts' | 'checkpoint' | 'lag' | 'busy' | 'backpressure' | 'alerts'

const STATE_ORDER: Record<string, number> = { FAILED: 0, FAILING: 1, RESTARTING: 2, CANCELLING: 3, INITIALIZING: 4, CREATED: 5, RECONCILING: 6, RUNNING: 7, SUSPENDED: 8, CANCELED: 9, FINISHED: 10, UNKNOWN: 11 }

function sortValue(r: FleetRow, col: SortColumn, now: number): number | string {
  switch (col) {
    case 'state':
      return STATE_ORDER[r.state] ?? 99
    case 'name':
      return r.name.toLowerCase()
    case 'cluster':
      return r.cluster
    case 'uptime':
      return uptime(r, now) ?? -1
    case 'restarts':
      return r.restartsLastHour ?? r.restarts
    case 'checkpoint':
      return r.lastCheckpoint ? now - r.lastCheckpoint.completedAt : Number.MAX_SAFE_INTEGER
    case 'lag':
      return r.lag ?? -1
    case 'busy':
      return r.busy ?? -1
    case 'backpressure':
      return r.backpressure ?? -1
    case 'alerts':
      return r.firing
  }
}

export function uptime(r: JobSummary, now: number): number | null {
  if (r.state !== 'RUNNING' || r.startTime === null) return null
  return Math.max(0, now - r.startTime)
}

/** A short badge when any recommendation differs from what runs now. */
export function recommendationBadge(rec: Recommendation | undefined): string | null {
  if (!rec) return null
  for (const v of rec.vertices) {
    const p = v.parallelism
    if (p.recommended !== null && p.recommended !== p.current) return p.recommended > p.current ? `scale ↑ ${p.recommended}` : `scale ↓ ${p.recommended}`
  }
  const heap = rec.taskManager.heapBytes
  if (heap.recommended !== null && heap.current !== null && Math.abs(heap.recommended - heap.current) / heap.current > 0.1) return heap.recommended > heap.current ? 'heap ↑' : 'heap ↓'
  return null
}

export interface Filter {
  q: string
  state: string
  cluster: string
  sort: SortColumn
  dir: 'asc' | 'desc'
}

export function visibleRows(rows: Iterable<FleetRow>, f: Filter, now: number): FleetRow[] {
  const q = f.q.trim().toLowerCase()
  const out: FleetRow[] = []
  for (const r of rows) {
    if (f.state && r.state !== f.state) continue
    if (f.cluster && r.cluster !== f.cluster) continue
    if (q && !r.name.toLowerCase().includes(q) && !r.jobId.includes(q)) continue
    out.push(r)
  }
  const sign = f.dir === 'desc' ? -1 : 1
  const keyed = out.map((r) => [sortValue(r, f.sort, now), r] as const)
  keyed.sort((a, b) => (a[0] < b[0] ? -sign : a[0] > b[0] ? sign : a[1].name < b[1].name ? -1 : a[1].name > b[1].name ? 1 : 0))
  return keyed.map((k) => k[1])
}

/** Firing alerts per job (by id, and by name for incidents that outlive one job id). */
export function firingIndex(alerts: readonly Alert[]): { byId: Map<string, number>; byName: Map<string, number> } {
  const byId = new Map<string, number>()
  const byName = new Map<string, number>()
  for (const a of alerts) {
    if (a.state !== 'firing') continue
    if (a.jobId) byId.set(jobKey(a.cluster, a.jobId), (byId.get(jobKey(a.cluster, a.jobId)) ?? 0) + 1)
    else if (a.jobName) byName.set(jobKey(a.cluster, a.jobName), (byName.get(jobKey(a.cluster, a.jobName)) ?? 0) + 1)
  }
  return { byId, byName }
}
