/** Builders for normalized snapshots in fleet tests. */
import type { ClusterSnapshot } from '../../../src/model/cluster.js'
import { emptyJob, type JobSnapshot, type JobState } from '../../../src/model/job.js'

export function job(cluster: string, jobId: string, state: JobState, extra: Partial<JobSnapshot> = {}): JobSnapshot {
  return { ...emptyJob(cluster, jobId, `job-${jobId}`, state, 1000), ...extra }
}

export function snapshot(cluster: string, jobs: JobSnapshot[], at = 0, extra: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return {
    cluster: {
      id: cluster,
      type: 'flink',
      version: '1.20.1',
      taskManagers: 1,
      slots: { total: 2, available: 1 },
      jobs: { total: jobs.length, running: jobs.filter((j) => j.state === 'RUNNING').length },
      jobManagerUrl: `http://${cluster}:8081`,
      webUiUrl: `http://${cluster}:8081`,
    },
    jobs,
    incidents: [],
    at,
    ...extra,
  }
}
