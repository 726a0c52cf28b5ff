/**
 * The restore points a restart of a job would choose from, as the fleet last saw them: the latest retained
 * checkpoint and savepoint of every instance of the job on its cluster (same name, or the same id) plus the
 * remembered newest point. Ordered as `chooseRestorePoint` ranks them, so the first is the one a restart
 * would use (the restart itself re-reads the cluster at that moment).
 */
import type { FleetView } from '../fleet/fleet-view.js'
import type { RestorePoint } from '../model/operation.js'
import { restorePointsOf } from './restore-point.js'
import type { RestorePointMemory } from './restore-point-memory.js'

export interface RestorePointView {
  path: string
  kind: 'checkpoint' | 'savepoint'
  at: number
  /** `job <id>` for a point a listed instance reports, `remembered` for flinkwatch's memory. */
  source: string
}

export async function restorePointCandidates(view: FleetView, memory: RestorePointMemory, cluster: string, jobId: string): Promise<RestorePointView[] | undefined> {
  const job = view.job(cluster, jobId)
  if (!job) return undefined
  const found: (RestorePoint & { source: string })[] = []
  for (const j of view.jobs({ cluster })) {
    if (j.name !== job.name && j.jobId !== jobId) continue
    if (j.checkpoints) for (const p of restorePointsOf(j.jobId, j.checkpoints)) found.push({ ...p, source: `job ${j.jobId}` })
  }
  const remembered = await memory.get(cluster, job.name)
  if (remembered?.path) found.push({ ...remembered, source: 'remembered' })
  const byPath = new Map<string, RestorePoint & { source: string }>()
  for (const p of found) if (!byPath.has(p.path)) byPath.set(p.path, p)
  return [...byPath.values()]
    .sort((a, b) => b.completedAt - a.completedAt || (a.kind === 'savepoint' ? -1 : 0) - (b.kind === 'savepoint' ? -1 : 0))
    .map((p) => ({ path: p.path, kind: p.kind, at: p.completedAt, source: p.source }))
}
