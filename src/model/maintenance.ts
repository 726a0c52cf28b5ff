/** A maintenance window: a scheduled silence, one-off or recurring, from config or the API. */
export interface MaintenanceWindow {
  id: string
  source: 'config' | 'api'
  comment: string
  /** Anchored regular expressions; absent = any. */
  match: { cluster?: string; job?: string; rule?: string; severity?: string }
  /** One-off: epoch ms. */
  from: number | null
  to: number | null
  /** Recurring: cron expression in timeZone, open for duration from each occurrence. */
  cron: string | null
  duration: string | null
  timeZone: string
  /** Auto-restart leaves matching jobs alone while it is open. */
  pauseAutoRestart: boolean
  createdBy: string
  createdAt: number
}

/** Auto-restart asks this before restarting a job (app.ts passes the alerting feature's windows). */
export interface RestartPause {
  /** The id of an open window that pauses auto-restart of this job, or null. */
  pausedBy(cluster: string, jobName: string, now: number): string | null
}
