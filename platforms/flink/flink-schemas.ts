/**
 * TypeBox schemas for the Flink REST payloads flinkwatch reads (Flink 1.17–1.20). They describe only
 * the fields we use and allow any others, so new fields in a later Flink never fail decoding; a
 * missing or mistyped field we rely on does (and is counted as `decode`).
 * Field names follow `../shared/reference/flink-apis.md` §1 exactly (mixed kebab/snake/camel case).
 */
import { Type, type Static } from '@sinclair/typebox'

const Int = Type.Number()
const Opt = Type.Optional

/** Aggregated metric endpoints send numbers, but Jackson writes NaN/Infinity as strings. */
export const MetricNumber = Type.Union([Type.Number(), Type.String(), Type.Null()])

export const Overview = Type.Object({
  taskmanagers: Int,
  'slots-total': Int,
  'slots-available': Int,
  'jobs-running': Int,
  'jobs-finished': Opt(Int),
  'jobs-cancelled': Opt(Int),
  'jobs-failed': Opt(Int),
  'flink-version': Opt(Type.String()),
})
export type Overview = Static<typeof Overview>

export const JobsOverviewEntry = Type.Object({
  jid: Type.String({ minLength: 1 }),
  name: Type.String(),
  state: Type.String(),
  'start-time': Int,
  'end-time': Opt(Int),
  'last-modification': Opt(Int),
  // Not `tasks` (11 counters per job): not read, and /jobs/overview of a big cluster is checked every poll.
})
export const JobsOverview = Type.Object({ jobs: Type.Array(JobsOverviewEntry) })
export type JobsOverview = Static<typeof JobsOverview>
export type JobsOverviewEntry = Static<typeof JobsOverviewEntry>

/** `/jobs`: ids and statuses only (JobIdsWithStatusOverview), the state watch's one request between polls. */
export const JobIds = Type.Object({ jobs: Type.Array(Type.Object({ id: Type.String({ minLength: 1 }), status: Type.String() })) })
export type JobIds = Static<typeof JobIds>

const PlanNode = Type.Object({
  id: Type.String(),
  inputs: Opt(Type.Array(Type.Object({ id: Type.String() }))),
})

export const JobDetails = Type.Object({
  jid: Type.String(),
  name: Type.String(),
  state: Type.String(),
  'start-time': Opt(Int),
  'end-time': Opt(Int),
  vertices: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      parallelism: Int,
      maxParallelism: Opt(Int),
      status: Opt(Type.String()),
    }),
  ),
  plan: Opt(Type.Object({ nodes: Opt(Type.Array(PlanNode)) })),
})
export type JobDetails = Static<typeof JobDetails>

/** `[{id, value}]` with string values ("NaN" included), or `[{id}]` when `get` is omitted. */
export const MetricList = Type.Array(Type.Object({ id: Type.String(), value: Opt(MetricNumber) }))
export type MetricList = Static<typeof MetricList>

export const AggregatedMetrics = Type.Array(
  Type.Object({ id: Type.String(), min: Opt(MetricNumber), max: Opt(MetricNumber), avg: Opt(MetricNumber), sum: Opt(MetricNumber), skew: Opt(MetricNumber) }),
)
export type AggregatedMetrics = Static<typeof AggregatedMetrics>

const CompletedCheckpoint = Type.Object({
  id: Int,
  status: Opt(Type.String()),
  is_savepoint: Opt(Type.Boolean()),
  trigger_timestamp: Opt(Int),
  latest_ack_timestamp: Opt(Int),
  checkpointed_size: Opt(Int),
  state_size: Opt(Int),
  end_to_end_duration: Opt(Int),
  external_path: Opt(Type.Union([Type.String(), Type.Null()])),
})
const FailedCheckpoint = Type.Object({
  id: Int,
  failure_timestamp: Opt(Int),
  failure_message: Opt(Type.Union([Type.String(), Type.Null()])),
})

export const Checkpoints = Type.Object({
  counts: Type.Object({ completed: Int, failed: Int, in_progress: Int, total: Opt(Int), restored: Opt(Int) }),
  latest: Opt(
    Type.Object({
      completed: Opt(Type.Union([CompletedCheckpoint, Type.Null()])),
      savepoint: Opt(Type.Union([CompletedCheckpoint, Type.Null()])),
      failed: Opt(Type.Union([FailedCheckpoint, Type.Null()])),
    }),
  ),
})
export type Checkpoints = Static<typeof Checkpoints>
export type CompletedCheckpoint = Static<typeof CompletedCheckpoint>

export const CheckpointConfig = Type.Object({ interval: Int })
export type CheckpointConfig = Static<typeof CheckpointConfig>

const ExceptionEntry = Type.Object({
  exceptionName: Opt(Type.String()),
  stacktrace: Opt(Type.Union([Type.String(), Type.Null()])),
  timestamp: Int,
  taskName: Opt(Type.Union([Type.String(), Type.Null()])),
  /** Deprecated in 1.19 (use endpoint), the only address field in 1.17/1.18. */
  location: Opt(Type.Union([Type.String(), Type.Null()])),
  /** 1.19+. */
  endpoint: Opt(Type.Union([Type.String(), Type.Null()])),
  /** 1.18+: failure enricher labels. */
  failureLabels: Opt(Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()])),
})

/** 1.17–1.20: legacy `root-exception` + the `exceptionHistory` (present in all four). */
export const Exceptions = Type.Object({
  'root-exception': Opt(Type.Union([Type.String(), Type.Null()])),
  timestamp: Opt(Type.Union([Int, Type.Null()])),
  exceptionHistory: Opt(Type.Object({ entries: Type.Array(ExceptionEntry) })),
})
export type Exceptions = Static<typeof Exceptions>

/** Error body of every non-2xx answer. */
export const ErrorBody = Type.Object({ errors: Type.Array(Type.String()) })
