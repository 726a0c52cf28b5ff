/**
 * The jobs of one Kubernetes poll: from the JobManager when it answered, else from the operator's
 * status. Checkpoints: the JobManager's, completed by the operator's savepoints (and its checkpoints
 * when REST is missing; the last REST figures of a job are kept for an hour for such polls).
 */
import { DecodeError } from '../../src/core/errors.js'
import type { CollectorWarning } from '../../src/model/cluster.js'
import { platformOnlyJob, toJobState, type CheckpointStats, type JobPlatformRef, type JobSnapshot } from '../../src/model/job.js'
import type { JobManagerView } from '../flink/index.js'
import type { FlinkTargetCluster, Warn } from './kube-inventory.js'
import type { FlinkDeploymentDto, FlinkSessionJobDto, FlinkStateSnapshotDto, JobStatusDto } from './kube-types.js'
import { NO_SNAPSHOTS, combine, fromJobStatus, fromStateSnapshots, mergeCheckpoints, resourceKey, type OperatorSnapshots } from './operator-checkpoints.js'

/** How long REST checkpoint figures of a job are kept for polls that cannot read its JobManager. */
export const KEEP_REST_CHECKPOINTS_MS = 3_600_000

export interface JobSources {
  clusterId: string
  now: number
  deployments: readonly FlinkDeploymentDto[]
  sessionJobs: readonly FlinkSessionJobDto[]
  stateSnapshots: readonly FlinkStateSnapshotDto[]
  targets: readonly FlinkTargetCluster[]
  /** JobManager views by `namespace/name`. */
  views: ReadonlyMap<string, JobManagerView>
  restBase(namespace: string, name: string): string
  /** REST checkpoint figures by job id, kept across polls (updated here). */
  restCheckpoints: Map<string, { stats: CheckpointStats; at: number }>
  warn: Warn
  warnings: CollectorWarning[]
}

export function assembleJobs(src: JobSources): Map<string, JobSnapshot> {
  const { now, views, restBase, restCheckpoints, warn, warnings } = src
  const jobs = new Map<string, JobSnapshot>()
  const sessionJobById = new Map<string, FlinkSessionJobDto>()
  for (const sj of src.sessionJobs) if (sj.status?.jobStatus?.jobId) sessionJobById.set(sj.status.jobStatus.jobId, sj)
  const bySnapshotCr = fromStateSnapshots(src.stateSnapshots as FlinkStateSnapshotDto[])
  const operatorSnapshots = (kind: 'FlinkDeployment' | 'FlinkSessionJob', namespace: string, name: string, s: JobStatusDto | null | undefined): OperatorSnapshots => {
    const odd: string[] = []
    const fromStatus = fromJobStatus(s, odd)
    for (const r of odd) warn(warnings, new DecodeError(`${kind} ${namespace}/${name} status.jobStatus.savepointInfo.${r} skipped: not a Savepoint`), `${kind.toLowerCase()}s:${namespace}/${name}:${r}`, 'savepoint history entry skipped')
    return combine(fromStatus, bySnapshotCr.get(resourceKey(kind, namespace, name)))
  }
  const withCheckpoints = (j: JobSnapshot, op: OperatorSnapshots, fromRest: boolean): JobSnapshot => {
    if (fromRest && j.checkpoints) restCheckpoints.set(j.jobId, { stats: j.checkpoints, at: now })
    const checkpoints = mergeCheckpoints(j.checkpoints, op, fromRest ? null : (restCheckpoints.get(j.jobId)?.stats ?? null))
    return checkpoints === j.checkpoints ? j : { ...j, checkpoints }
  }
  for (const d of src.deployments) {
    const namespace = d.metadata.namespace ?? 'default'
    const key = `${namespace}/${d.metadata.name}`
    const view = views.get(key)
    const ref: JobPlatformRef = {
      kubernetes: { kind: 'FlinkDeployment', namespace, name: d.metadata.name },
      jobManagerUrl: restBase(namespace, d.metadata.name),
      platformState: [d.status?.lifecycleState, d.status?.jobManagerDeploymentStatus, d.status?.reconciliationStatus?.state].filter(Boolean).join('/'),
      platformError: operatorError(d.status?.error),
    }
    // Application deployments own their savepoints; a session deployment has no job of its own.
    const deploymentOp = d.spec?.job ? operatorSnapshots('FlinkDeployment', namespace, d.metadata.name, d.status?.jobStatus) : NO_SNAPSHOTS
    if (view) {
      for (const j of view.jobs) {
        const sj = sessionJobById.get(j.jobId)
        const op = sj ? operatorSnapshots('FlinkSessionJob', sj.metadata.namespace ?? 'default', sj.metadata.name, sj.status?.jobStatus) : deploymentOp
        jobs.set(j.jobId, withCheckpoints({ ...j, platform: sj ? sessionJobRef(sj, d.metadata.name, ref.jobManagerUrl ?? null) : ref }, op, true))
      }
    } else if (d.spec?.job) {
      const j = jobFromStatus(src.clusterId, d.status?.jobStatus, ref)
      if (j) jobs.set(j.jobId, withCheckpoints(j, deploymentOp, false))
    }
  }
  for (const sj of src.sessionJobs) {
    const id = sj.status?.jobStatus?.jobId
    if (!id || jobs.has(id)) continue
    const namespace = sj.metadata.namespace ?? 'default'
    const deployment = sj.spec?.deploymentName ?? ''
    const j = jobFromStatus(src.clusterId, sj.status?.jobStatus, sessionJobRef(sj, deployment, restBase(namespace, deployment)))
    if (j) jobs.set(j.jobId, withCheckpoints(j, operatorSnapshots('FlinkSessionJob', namespace, sj.metadata.name, sj.status?.jobStatus), false))
  }
  for (const t of src.targets) {
    if (t.kind !== 'native') continue
    const key = `${t.namespace}/${t.name}`
    for (const j of views.get(key)?.jobs ?? []) {
      jobs.set(j.jobId, { ...j, platform: { kubernetes: { kind: 'native', namespace: t.namespace, name: t.name }, jobManagerUrl: restBase(t.namespace, t.name) } })
    }
  }
  for (const [id, e] of restCheckpoints) if (now - e.at > KEEP_REST_CHECKPOINTS_MS) restCheckpoints.delete(id)
  return jobs
}

function sessionJobRef(sj: FlinkSessionJobDto, deployment: string, jobManagerUrl: string | null): JobPlatformRef {
  return {
    kubernetes: { kind: 'FlinkSessionJob', namespace: sj.metadata.namespace ?? 'default', name: sj.metadata.name, deployment },
    jobManagerUrl,
    platformState: [sj.status?.lifecycleState, sj.status?.reconciliationStatus?.state].filter(Boolean).join('/'),
    platformError: operatorError(sj.status?.error),
  }
}

/** A job as the operator last saw it (JobManager unreachable or not deployed). */
function jobFromStatus(cluster: string, s: JobStatusDto | null | undefined, ref: JobPlatformRef): JobSnapshot | null {
  if (!s?.jobId) return null
  const start = s.startTime ? Number(s.startTime) : NaN
  return platformOnlyJob(cluster, s.jobId, s.jobName ?? s.jobId, s.state ? toJobState(s.state) : 'UNKNOWN', Number.isFinite(start) && start > 0 ? start : null, ref)
}

/** status.error is a JSON string {type, message, …} or plain text ("Job Not Found"). */
export function operatorError(raw: string | null | undefined): string | null {
  if (!raw) return null
  try {
    const j = JSON.parse(raw) as { message?: unknown; type?: unknown }
    if (typeof j.message === 'string') return (typeof j.type === 'string' ? `${j.type.split('.').pop()}: ` : '') + j.message.split('\n')[0]!.slice(0, 300)
  } catch {
    // plain text
  }
  return raw.split('\n')[0]!.slice(0, 300)
}
