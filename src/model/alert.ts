import type { Severity } from '../config/sections/alerting.js'

export type AlertState = 'pending' | 'firing' | 'resolved'

/** An incident: one per rule and subject (job or cluster) from firing to resolved. */
export interface AlertEvent {
  id: string
  rule: string
  severity: Severity
  state: AlertState
  cluster: string
  jobId: string | null
  jobName: string | null
  summary: string
  startsAt: number
  endsAt: number | null
  labels: Record<string, string>
  figures: Record<string, number | string | null>
}
