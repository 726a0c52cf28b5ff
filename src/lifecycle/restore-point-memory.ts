/**
 * The newest restore point flinkwatch has seen per job (cluster + name), kept in the store. A JobManager
 * failover or `jobstore.expiration-time` makes Flink forget older instances of a job; this memory keeps
 * their newest checkpoint a candidate, so a restart never falls back to an older path.
 */
import type { RestorePoint } from '../model/operation.js'
import type { CollectionSpec, Store } from '../storage/store.js'

export const RESTORE_POINTS_COLLECTION = 'restore_points'
export const restorePointsCollection: CollectionSpec = { name: RESTORE_POINTS_COLLECTION, keywords: ['cluster', 'jobName'] }

export interface RestorePointMemory {
  get(cluster: string, jobName: string): Promise<RestorePoint | null>
  /** Keeps `p` if it is newer than what is remembered. */
  remember(cluster: string, jobName: string, p: RestorePoint): Promise<void>
}

export function storeRestorePointMemory(store: Store): RestorePointMemory {
  const id = (cluster: string, jobName: string): string => `${cluster}/${jobName}`
  return {
    async get(cluster, jobName) {
      const d = await store.get<{ point: RestorePoint }>(RESTORE_POINTS_COLLECTION, id(cluster, jobName))
      return d?.body.point ?? null
    },
    async remember(cluster, jobName, p) {
      for (let i = 0; i < 5; i++) {
        const cur = await store.get<{ point: RestorePoint }>(RESTORE_POINTS_COLLECTION, id(cluster, jobName))
        if (cur && (cur.body.point.completedAt > p.completedAt || cur.body.point.path === p.path)) return
        const r = await store.compareAndSet(RESTORE_POINTS_COLLECTION, { id: id(cluster, jobName), timestamp: p.completedAt, body: { cluster, jobName, point: p } }, cur?.version ?? null)
        if (r.ok) return
      }
    },
  }
}
