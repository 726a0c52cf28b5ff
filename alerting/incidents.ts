/**
 * The seam other features (lifecycle actions, auto-restart) use to raise and resolve incidents and
 * to send one-off notifications, without knowing rules, routes or channels. The alerting module
 * exposes an implementation as `module.incidents`; app.ts passes it on.
 */
import type { Severity } from '../src/config/sections/alerting.js'

export type { Severity }

export interface RaisedIncident {
  /** A rule name of its own ("auto-restart-gave-up"); with cluster and jobName it is the incident's identity. */
  rule: string
  severity: Severity
  cluster: string
  jobId?: string | null
  jobName?: string | null
  summary: string
  /** Key figures shown in the message (restarts, lag, last error...). */
  figures?: Record<string, number | string | null>
}

export interface Announcement {
  severity: Severity
  cluster: string
  jobName?: string | null
  summary: string
}

export interface IncidentSink {
  /** Opens (or keeps open) the incident for rule+cluster+jobName; notifies once when it opens. */
  raise(i: RaisedIncident): void
  /** Resolves it (a resolved message follows, when it was notified); unknown incidents are ignored. */
  resolve(rule: string, cluster: string, jobName?: string | null): void
  /** A one-off message through the same routes, grouping, limits and outbox; no incident is kept. */
  announce(n: Announcement): void
}
