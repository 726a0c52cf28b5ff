import { Type, type StaticDecode } from '@sinclair/typebox'
import { Duration, Regex, Strict } from '../types.js'

export const RestartJobPolicy = Strict({
  /** Regex on the job name; a resubmitted job gets a new id but keeps its name. */
  name: Regex(),
  jarId: Type.Optional(Type.String()),
  jarPath: Type.Optional(Type.String()),
  entryClass: Type.Optional(Type.String()),
  args: Type.Array(Type.String(), { default: [] }),
  parallelism: Type.Optional(Type.Integer({ minimum: 1 })),
  allowNonRestoredState: Type.Boolean({ default: false }),
  /** Start without state when no checkpoint or savepoint exists. */
  allowFreshStart: Type.Boolean({ default: false }),
  /** Application-mode clusters: a command run to resubmit, with {savepoint} {jobName} {cluster} substituted. */
  command: Type.Optional(Type.String()),
  commandTimeout: Duration({ default: '5m' }),
  maxAttempts: Type.Optional(Type.Integer({ minimum: 1 })),
  window: Type.Optional(Duration()),
  backoff: Type.Optional(Duration()),
})
export type RestartJobPolicy = StaticDecode<typeof RestartJobPolicy>

export const AutoRestartConfig = Strict(
  {
    enabled: Type.Boolean({ default: false }),
    dryRun: Type.Boolean({ default: false }),
    maxAttempts: Type.Integer({ minimum: 1, default: 3 }),
    window: Duration({ default: '1h' }),
    backoff: Duration({ default: '30s' }),
    /** Also restart jobs that were CANCELED without an operator action. */
    restartUnexpectedCanceled: Type.Boolean({ default: false }),
    jobs: Type.Array(RestartJobPolicy, { default: [] }),
  },
  { default: {} },
)
export type AutoRestartConfig = StaticDecode<typeof AutoRestartConfig>
