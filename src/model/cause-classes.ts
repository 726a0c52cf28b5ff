/** The failure-cause class ids (issue 11), a contract: incidents, the webhook, metrics and user rules name them. */
export const CAUSE_CLASS_IDS = [
  'heap-oom',
  'direct-oom',
  'metaspace-oom',
  'container-memory-kill',
  'taskmanager-lost',
  'checkpoint-failure',
  'state-storage',
  'source-sink-unavailable',
  'deserialization',
  'sql-planning',
  'classloading',
  'user-code',
  'cluster-lost',
  'cancelled',
  'unknown',
] as const
export type CauseClassId = (typeof CAUSE_CLASS_IDS)[number]
