/**
 * YARN application state → what it means for the Flink jobs inside (flink-apis.md §3.1–3.3).
 *
 * - NEW … ACCEPTED: no JobManager. For an application that was RUNNING before, this is the gap of a
 *   JobManager failover (a new AM attempt): its jobs are RECONCILING, never FAILED.
 * - RUNNING: the JobManager answers; Flink's own job states are used.
 * - FINISHED/FAILED/KILLED: the cluster is gone; jobs that were not already terminal take the state the
 *   final status implies. Flink maps SUCCEEDED→SUCCEEDED, FAILED→FAILED, CANCELED→KILLED and anything else
 *   to UNDEFINED (YarnResourceManagerDriver); a `yarn application -kill` ends KILLED.
 */
import type { JobState } from '../../src/model/job.js'

export type AppPhase = 'pending' | 'running' | 'terminal' | 'unknown'

export function appPhase(state: string): AppPhase {
  switch (state) {
    case 'NEW':
    case 'NEW_SAVING':
    case 'SUBMITTED':
    case 'ACCEPTED':
      return 'pending'
    case 'RUNNING':
      return 'running'
    case 'FINISHED':
    case 'FAILED':
    case 'KILLED':
      return 'terminal'
    default:
      return 'unknown'
  }
}

/** The state of a job whose application reached a terminal YARN state while the job was not terminal. */
export function terminalJobState(state: string, finalStatus: string | undefined): JobState {
  if (state === 'KILLED' || finalStatus === 'KILLED') return 'CANCELED'
  if (state === 'FAILED' || finalStatus === 'FAILED') return 'FAILED'
  if (finalStatus === 'SUCCEEDED') return 'FINISHED'
  // FINISHED with UNDEFINED/ENDED: the cluster shut down without a job result (session stopped, HA data
  // kept); Flink calls that SUSPENDED. It is not a failure and not a success.
  return 'SUSPENDED'
}

/** The AM attempt from a container id in amContainerLogs: container_e17_1700000000000_0042_02_000001 → 2. */
export function attemptFromContainerLogs(url: string | undefined): number | null {
  if (!url) return null
  const m = /container_(?:e\d+_)?\d+_\d+_(\d+)_\d+/.exec(url)
  return m ? Number(m[1]) : null
}
