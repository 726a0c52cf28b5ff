/** Builders for normalized snapshots in fleet tests. */
import type { ClusterSnapshot } from '../../../src/model/cluster.js'
import type { JobSnapshot, JobState } from '../../../src/model/job.js'

export function job(cluster: string, jobId: string, state: JobState, extra: Partial<JobSnapshot> = {}): JobSnapshot {
  return {
    cluster,
    jobId,
    name: `job-${jobId}`,
    state,
    startTime: 1000,
    endTime: null,
    restarts: 0,
    checkpoints: null,
    latestException: null,
    lag: null,
    backpressure: null,
    busy: null,
    recordsInPerSec: null,
    recordsOutPerSec: null,
    vertices: [],
    resources: null,
    ...extra,
  }
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
