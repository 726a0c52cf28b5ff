/**
 * YARN ResourceManager REST DTOs (flink-apis.md §3). They never leave platforms/yarn/ except through
 * yarn-api.ts results the lifecycle transport uses. Only the fields flinkwatch reads are checked; others
 * pass through untouched (Hadoop versions add fields).
 */
import { Type, type Static } from '@sinclair/typebox'

export const YARN_APP_STATES = ['NEW', 'NEW_SAVING', 'SUBMITTED', 'ACCEPTED', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED'] as const
export type YarnAppState = (typeof YARN_APP_STATES)[number]
export const YARN_ACTIVE_STATES: readonly YarnAppState[] = ['NEW', 'NEW_SAVING', 'SUBMITTED', 'ACCEPTED', 'RUNNING']
export const YARN_TERMINAL_STATES: ReadonlySet<string> = new Set(['FINISHED', 'FAILED', 'KILLED'])

const OptStr = Type.Optional(Type.String())
const OptNum = Type.Optional(Type.Number())

export const YarnAppDto = Type.Object({
  id: Type.String({ pattern: '^application_[0-9]+_[0-9]+$' }),
  user: OptStr,
  name: OptStr,
  queue: OptStr,
  // A string, not the enum: a newer Hadoop state must not make the whole list unreadable.
  state: Type.String(),
  /** UNDEFINED | SUCCEEDED | FAILED | KILLED (| ENDED on newer Hadoop). */
  finalStatus: OptStr,
  trackingUI: OptStr,
  trackingUrl: OptStr,
  diagnostics: OptStr,
  applicationType: OptStr,
  applicationTags: OptStr,
  startedTime: OptNum,
  launchTime: OptNum,
  finishedTime: OptNum,
  amContainerLogs: OptStr,
  amHostHttpAddress: OptStr,
  /** Hadoop 3.x: host:port the AM registered; for Flink this is the JobManager REST address. */
  amRPCAddress: OptStr,
  runningContainers: OptNum,
})
export type YarnAppDto = Static<typeof YarnAppDto>

/** `apps` is null (not an empty list) when nothing matches on many Hadoop versions. */
export const YarnAppsResponse = Type.Object({
  apps: Type.Union([Type.Null(), Type.Object({ app: Type.Optional(Type.Union([Type.Array(Type.Unknown()), Type.Null()])) })]),
})

export const YarnAppResponse = Type.Object({ app: Type.Unknown() })
export const YarnAppStateResponse = Type.Object({ state: Type.String() })
