/**
 * Kubernetes and Flink Kubernetes Operator DTOs (flink-apis.md §4, k8s-operator-crd.md), only the
 * fields flinkwatch reads; everything else passes through. Lists are checked item by item so one odd
 * object never hides the others.
 */
import { Type, type Static } from '@sinclair/typebox'

const OptStr = Type.Optional(Type.String())
const NullStr = Type.Optional(Type.Union([Type.String(), Type.Null()]))
const Labels = Type.Optional(Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]))

export const ObjectMeta = Type.Object({
  name: Type.String({ minLength: 1 }),
  namespace: OptStr,
  uid: OptStr,
  labels: Labels,
  resourceVersion: OptStr,
  creationTimestamp: OptStr,
  generation: Type.Optional(Type.Number()),
})

/** `{kind: …List, items: [...]}`; items are decoded one by one. */
export const KubeList = Type.Object({
  items: Type.Union([Type.Array(Type.Unknown()), Type.Null()]),
  metadata: Type.Optional(Type.Object({ resourceVersion: OptStr })),
})

/** Operator `Savepoint` (k8s-operator-crd.md, Status): a finished savepoint. */
export const OperatorSavepointDto = Type.Object({
  /** Millisecond timestamp at the start of the savepoint operation. */
  timeStamp: Type.Optional(Type.Number()),
  location: NullStr,
  triggerType: NullStr,
  formatType: NullStr,
  triggerNonce: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
})
export type OperatorSavepointDto = Static<typeof OperatorSavepointDto>

/** Operator `Checkpoint`: a finished checkpoint the operator triggered. It has no location. */
export const OperatorCheckpointDto = Type.Object({
  /** Millisecond timestamp at the start of the checkpoint operation. */
  timeStamp: Type.Optional(Type.Number()),
  triggerType: NullStr,
  formatType: NullStr,
  triggerNonce: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
})
export type OperatorCheckpointDto = Static<typeof OperatorCheckpointDto>

export const JobStatusDto = Type.Object({
  jobName: NullStr,
  jobId: NullStr,
  state: NullStr,
  /** Epoch ms as a string. */
  startTime: NullStr,
  updateTime: NullStr,
  upgradeSavepointPath: NullStr,
  /** `SavepointInfo`; deprecated since operator 1.10 when FlinkStateSnapshot resources are enabled. */
  savepointInfo: Type.Optional(
    Type.Union([
      Type.Null(),
      Type.Object({
        lastSavepoint: Type.Optional(Type.Union([OperatorSavepointDto, Type.Null()])),
        triggerId: NullStr,
        triggerTimestamp: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
        /** Items are decoded one by one (an odd entry must not hide the whole resource). */
        savepointHistory: Type.Optional(Type.Union([Type.Array(Type.Unknown()), Type.Null()])),
      }),
    ]),
  ),
  /** `CheckpointInfo`; deprecated likewise. */
  checkpointInfo: Type.Optional(
    Type.Union([
      Type.Null(),
      Type.Object({
        lastCheckpoint: Type.Optional(Type.Union([OperatorCheckpointDto, Type.Null()])),
        triggerId: NullStr,
        triggerTimestamp: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
      }),
    ]),
  ),
})
export type JobStatusDto = Static<typeof JobStatusDto>

const ReconciliationStatus = Type.Object({ state: NullStr, reconciliationTimestamp: Type.Optional(Type.Number()) })

const CommonStatus = {
  jobStatus: Type.Optional(Type.Union([JobStatusDto, Type.Null()])),
  error: NullStr,
  lifecycleState: NullStr,
  observedGeneration: Type.Optional(Type.Number()),
  reconciliationStatus: Type.Optional(Type.Union([ReconciliationStatus, Type.Null()])),
}

export const FlinkDeploymentDto = Type.Object({
  metadata: ObjectMeta,
  spec: Type.Optional(
    Type.Object({
      /** Null/absent for session clusters. */
      job: Type.Optional(Type.Union([Type.Null(), Type.Object({ state: NullStr, upgradeMode: NullStr })])),
      mode: NullStr,
    }),
  ),
  status: Type.Optional(
    Type.Union([
      Type.Null(),
      Type.Object({
        ...CommonStatus,
        jobManagerDeploymentStatus: NullStr,
        clusterInfo: Type.Optional(Type.Union([Type.Null(), Type.Record(Type.String(), Type.String())])),
        taskManager: Type.Optional(Type.Union([Type.Null(), Type.Object({ labelSelector: NullStr, replicas: Type.Optional(Type.Number()) })])),
      }),
    ]),
  ),
})
export type FlinkDeploymentDto = Static<typeof FlinkDeploymentDto>

export const FlinkSessionJobDto = Type.Object({
  metadata: ObjectMeta,
  spec: Type.Optional(Type.Object({ deploymentName: OptStr, job: Type.Optional(Type.Union([Type.Null(), Type.Object({ state: NullStr })])) })),
  status: Type.Optional(Type.Union([Type.Null(), Type.Object(CommonStatus)])),
})
export type FlinkSessionJobDto = Static<typeof FlinkSessionJobDto>

const Terminated = Type.Object({
  exitCode: Type.Number(),
  reason: OptStr,
  message: OptStr,
  signal: Type.Optional(Type.Number()),
  startedAt: NullStr,
  finishedAt: NullStr,
})
export type TerminatedDto = Static<typeof Terminated>

const ContainerState = Type.Optional(Type.Union([Type.Null(), Type.Object({ terminated: Type.Optional(Type.Union([Terminated, Type.Null()])) })]))

export const PodDto = Type.Object({
  metadata: ObjectMeta,
  status: Type.Optional(
    Type.Object({
      phase: OptStr,
      reason: OptStr,
      message: OptStr,
      containerStatuses: Type.Optional(
        Type.Union([
          Type.Null(),
          Type.Array(Type.Object({ name: Type.String(), ready: Type.Optional(Type.Boolean()), restartCount: Type.Optional(Type.Number()), state: ContainerState, lastState: ContainerState })),
        ]),
      ),
    }),
  ),
})
export type PodDto = Static<typeof PodDto>

export const EventDto = Type.Object({
  metadata: ObjectMeta,
  involvedObject: Type.Object({ kind: OptStr, name: OptStr, namespace: OptStr, uid: OptStr }),
  reason: OptStr,
  message: OptStr,
  type: OptStr,
  firstTimestamp: NullStr,
  lastTimestamp: NullStr,
  eventTime: NullStr,
})
export type EventDto = Static<typeof EventDto>

/**
 * FlinkStateSnapshot (operator 1.10+, k8s-operator-crd.md FlinkStateSnapshotSpec/Status): one savepoint
 * (`spec.savepoint`) or checkpoint (`spec.checkpoint`) of the resource named by `spec.jobReference`, in
 * the snapshot's namespace. `status.resultTimestamp`/`triggerTimestamp` are ISO-8601 strings.
 */
export const FlinkStateSnapshotDto = Type.Object({
  metadata: ObjectMeta,
  spec: Type.Optional(
    Type.Object({
      jobReference: Type.Optional(Type.Union([Type.Null(), Type.Object({ kind: NullStr, name: NullStr })])),
      savepoint: Type.Optional(
        Type.Union([
          Type.Null(),
          Type.Object({
            path: NullStr,
            formatType: NullStr,
            disposeOnDelete: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
            alreadyExists: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
          }),
        ]),
      ),
      checkpoint: Type.Optional(Type.Union([Type.Null(), Type.Object({})])),
      backoffLimit: Type.Optional(Type.Number()),
    }),
  ),
  status: Type.Optional(
    Type.Union([
      Type.Null(),
      Type.Object({
        /** TRIGGER_PENDING | IN_PROGRESS | COMPLETED | FAILED | ABANDONED */
        state: NullStr,
        triggerId: NullStr,
        triggerTimestamp: NullStr,
        resultTimestamp: NullStr,
        path: NullStr,
        error: NullStr,
        failures: Type.Optional(Type.Number()),
      }),
    ]),
  ),
})
export type FlinkStateSnapshotDto = Static<typeof FlinkStateSnapshotDto>

/** One line of a watch stream: `{type: ADDED|MODIFIED|DELETED|BOOKMARK|ERROR, object}`. */
export const WatchEventDto = Type.Object({ type: Type.String(), object: Type.Unknown() })

/** A BOOKMARK event's object: only `metadata.resourceVersion` is meaningful. */
export const BookmarkDto = Type.Object({ metadata: Type.Object({ resourceVersion: Type.String() }) })

/** An ERROR event's object: a `Status` (410 = the resourceVersion is too old). */
export const StatusDto = Type.Object({ code: Type.Optional(Type.Number()), reason: OptStr, message: OptStr })
