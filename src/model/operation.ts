export type OperationStatus = 'pending' | 'running' | 'succeeded' | 'failed'

export const OPERATION_ACTIONS = ['cancel', 'stop', 'savepoint', 'restart'] as const
export type OperationAction = (typeof OPERATION_ACTIONS)[number]

/** A lifecycle action in flight (cancel, stop, savepoint, restart). */
export interface Operation {
  id: string
  action: string
  cluster: string
  jobId: string
  jobName: string | null
  status: OperationStatus
  requestedBy: string
  createdAt: number
  updatedAt: number
  message: string | null
  result: Record<string, unknown> | null
}

/** Who asked for an action: an API principal, or flinkwatch's auto-restart. */
export const AUTO_RESTART_PRINCIPAL = 'flinkwatch:auto-restart'

export type AuditOutcome = 'requested' | 'succeeded' | 'failed' | 'skipped' | 'dry-run' | 'gave-up'

/** One line of the audit trail: who did what to which job, when, and how it ended. */
export interface AuditEvent {
  id: string
  /** Epoch ms. */
  at: number
  who: string
  action: string
  cluster: string
  jobId: string | null
  jobName: string | null
  outcome: AuditOutcome
  message: string
  operationId: string | null
  details: Record<string, unknown>
}

/** A place a job can be resumed from: a retained checkpoint or a savepoint. */
export interface RestorePoint {
  path: string
  kind: 'checkpoint' | 'savepoint'
  /** Epoch ms when it completed. */
  completedAt: number
  /** The job instance (id) that wrote it. */
  jobId: string
}
