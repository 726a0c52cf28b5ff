import type { ClusterSnapshot, ClusterType } from '../src/model/cluster.js'

/**
 * One collector per configured cluster. The fleet poller calls `collect()` once per
 * interval (never twice at once for the same cluster) and aborts `signal` when the
 * poll times out or the service stops.
 *
 * Contract:
 * - resolve with a snapshot when the cluster answered its cluster-level probe
 *   (for Flink: `/overview` + `/jobs/overview`); per-job detail that fails is left
 *   out of that job (fields null) rather than failing the poll;
 * - reject (preferably with an `AppError`, `retriable` set) when the cluster could
 *   not be probed: the fleet counts consecutive failures and marks it down at
 *   `downAfter`. A 503 during leader election is such a retriable failure.
 * - never leak vendor DTOs: only `src/model/*` types leave a collector.
 */
export interface Collector {
  readonly clusterId: string
  readonly type: ClusterType
  collect(signal: AbortSignal): Promise<ClusterSnapshot>
  /**
   * Optional, between polls: whether any job changed state since the last `collect()` (Flink: one
   * `GET /jobs`, ids and statuses only). Cheap enough to ask every few seconds; a yes makes the poller
   * collect at once. It never marks anything: a rejection only means "ask again later".
   */
  changed?(signal: AbortSignal): Promise<{ changed: boolean; requests: number }>
  /** Optional: release sockets/timers when the service stops. */
  close?(): Promise<void>
}
