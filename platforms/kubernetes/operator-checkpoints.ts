/**
 * The Flink Kubernetes Operator's record of savepoints and checkpoints, as `CheckpointInfo`:
 * - `status.jobStatus.savepointInfo` (`lastSavepoint`, `savepointHistory`) and
 *   `status.jobStatus.checkpointInfo.lastCheckpoint` of FlinkDeployment/FlinkSessionJob (all operator
 *   versions; deprecated since 1.10, when snapshots are FlinkStateSnapshot resources by default);
 * - COMPLETED FlinkStateSnapshot resources (operator 1.10+), by `spec.jobReference`.
 *
 * What the operator does not say is filled with neutral values: `id` 0 (Flink ids start at 1),
 * `durationMs` and `sizeBytes` 0. The operator's `timeStamp` is the *start* of the snapshot operation,
 * so it stands for `completedAt` (a little early). An operator `Checkpoint` has no location:
 * `externalPath` stays null and it can never be a restore point; a FlinkStateSnapshot checkpoint has
 * `status.path`.
 *
 * Merging with the JobManager (REST): REST is authoritative for checkpoints (counts, interval, last
 * completed, failures); the operator fills `lastSavepoint` when REST has none, or when its savepoint is
 * newer (a savepoint of an earlier run of the same resource, e.g. the one taken for an upgrade). When
 * REST cannot be read, the last REST figures of the same job id (if any) are kept, combined with the
 * operator's, and `intervalMs` is null: staleness cannot be judged without the JobManager.
 */
import { Value } from '@sinclair/typebox/value'
import type { CheckpointInfo, CheckpointStats } from '../../src/model/job.js'
import { OperatorSavepointDto, type FlinkStateSnapshotDto, type JobStatusDto, type OperatorCheckpointDto } from './kube-types.js'

/** The operator's newest savepoint and checkpoint of one resource. */
export interface OperatorSnapshots {
  savepoint: CheckpointInfo | null
  checkpoint: CheckpointInfo | null
}

export const NO_SNAPSHOTS: OperatorSnapshots = { savepoint: null, checkpoint: null }

/** `${kind}/${namespace}/${name}` of the FlinkDeployment or FlinkSessionJob a snapshot belongs to. */
export type ResourceKey = string
export const resourceKey = (kind: 'FlinkDeployment' | 'FlinkSessionJob', namespace: string, name: string): ResourceKey => `${kind}/${namespace}/${name}`

function info(completedAt: number, externalPath: string | null, isSavepoint: boolean): CheckpointInfo {
  return { id: 0, completedAt, durationMs: 0, sizeBytes: 0, externalPath, isSavepoint }
}

/** Newer wins; on a tie the first (the more authoritative source) stays. */
export function newer(a: CheckpointInfo | null, b: CheckpointInfo | null): CheckpointInfo | null {
  if (!a) return b
  if (!b) return a
  return b.completedAt > a.completedAt ? b : a
}

const validTime = (t: number | undefined): t is number => typeof t === 'number' && Number.isFinite(t) && t > 0

function savepointOf(s: OperatorSavepointDto | null | undefined): CheckpointInfo | null {
  // A savepoint without a location cannot be restored from; timeStamp 0 is the operator's "unset".
  if (!s || !s.location || !validTime(s.timeStamp)) return null
  return info(s.timeStamp, s.location, true)
}

function checkpointOf(c: OperatorCheckpointDto | null | undefined): CheckpointInfo | null {
  if (!c || !validTime(c.timeStamp)) return null
  return info(c.timeStamp, null, false)
}

/**
 * From `status.jobStatus`: the newest of `lastSavepoint` and `savepointHistory` (history entries that
 * do not decode are skipped and reported in `rejected`), and `lastCheckpoint`.
 */
export function fromJobStatus(s: JobStatusDto | null | undefined, rejected: string[] = []): OperatorSnapshots {
  const sp = s?.savepointInfo
  let savepoint = savepointOf(sp?.lastSavepoint)
  ;(sp?.savepointHistory ?? []).forEach((h, i) => {
    if (Value.Check(OperatorSavepointDto, h)) savepoint = newer(savepoint, savepointOf(h))
    else rejected.push(`savepointHistory[${i}]`)
  })
  return { savepoint, checkpoint: checkpointOf(s?.checkpointInfo?.lastCheckpoint) }
}

function isoTime(s: string | null | undefined): number | null {
  if (!s) return null
  // Kubernetes-style ISO-8601 (the operator writes DateTimeFormatter.ISO_INSTANT); epoch ms as a fallback.
  const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s)
  return Number.isFinite(t) && t > 0 ? t : null
}

/** COMPLETED FlinkStateSnapshots with a path, newest savepoint and checkpoint per referenced resource. */
export function fromStateSnapshots(snapshots: readonly FlinkStateSnapshotDto[]): Map<ResourceKey, OperatorSnapshots> {
  const out = new Map<ResourceKey, OperatorSnapshots>()
  for (const s of snapshots) {
    const ref = s.spec?.jobReference
    if (!ref?.name || (ref.kind !== 'FlinkDeployment' && ref.kind !== 'FlinkSessionJob')) continue
    if (s.status?.state !== 'COMPLETED' || !s.status.path) continue
    const isSavepoint = !!s.spec?.savepoint
    if (!isSavepoint && !s.spec?.checkpoint) continue
    const at = isoTime(s.status.resultTimestamp) ?? isoTime(s.status.triggerTimestamp) ?? isoTime(s.metadata.creationTimestamp)
    if (at === null) continue
    const key = resourceKey(ref.kind, s.metadata.namespace ?? 'default', ref.name)
    const cur = out.get(key) ?? { savepoint: null, checkpoint: null }
    const c = info(at, s.status.path, isSavepoint)
    out.set(key, isSavepoint ? { ...cur, savepoint: newer(cur.savepoint, c) } : { ...cur, checkpoint: newer(cur.checkpoint, c) })
  }
  return out
}

export function combine(a: OperatorSnapshots, b: OperatorSnapshots | undefined): OperatorSnapshots {
  if (!b) return a
  return { savepoint: newer(a.savepoint, b.savepoint), checkpoint: newer(a.checkpoint, b.checkpoint) }
}

/**
 * A job's checkpoint figures. `rest`: what the JobManager said this poll (null when it was not read or
 * has no checkpoint statistics); `lastRest`: what it said last time for the same job id, when this
 * poll could not read it.
 */
export function mergeCheckpoints(rest: CheckpointStats | null, op: OperatorSnapshots, lastRest: CheckpointStats | null = null): CheckpointStats | null {
  if (rest) {
    const lastSavepoint = newer(rest.lastSavepoint, op.savepoint)
    return lastSavepoint === rest.lastSavepoint ? rest : { ...rest, lastSavepoint }
  }
  if (!lastRest && !op.savepoint && !op.checkpoint) return null
  return {
    // Flink's counters as last read keep alerting on their increase honest; 0 when never read.
    completed: lastRest?.completed ?? 0,
    failed: lastRest?.failed ?? 0,
    inProgress: 0,
    intervalMs: null,
    lastCompleted: newer(lastRest?.lastCompleted ?? null, op.checkpoint),
    lastSavepoint: newer(lastRest?.lastSavepoint ?? null, op.savepoint),
    lastFailedAt: lastRest?.lastFailedAt ?? null,
    lastFailureMessage: lastRest?.lastFailureMessage ?? null,
  }
}
