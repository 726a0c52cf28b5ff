export type OperationStatus = 'pending' | 'running' | 'succeeded' | 'failed'

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
