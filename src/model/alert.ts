/** How bad an alert is; the config schema (alerting rules and routes) spells the same three. */
export type Severity = 'critical' | 'warning' | 'info'

export type AlertState = 'pending' | 'firing' | 'resolved'

/** An incident: one per rule and subject (job name on a cluster, or the cluster) from firing to resolved. */
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
  /** When the condition was first seen (pending start); startsAt is when it fired. */
  detectedAt?: number
  /** Why no notification went out: the inhibiting incident id or the silence id. */
  inhibitedBy?: string | null
  silencedBy?: string | null
  /** A firing notification was accepted into the outbox (so a resolved one is due). */
  notified?: boolean
  lastNotifiedAt?: number | null
  /** Reminders sent so far (repeatInterval). */
  reminders?: number
  /** When the first firing notification went out (escalation levels count from it). */
  notifiedAt?: number | null
  /** Per route (index, or "*" without routes): when its last firing or reminder notification went out. */
  remindedAt?: Record<string, number>
  /** Who acknowledged it and when; null when not (or no longer) acknowledged. */
  acknowledgedBy?: string | null
  acknowledgedAt?: number | null
  ackComment?: string | null
  /** The maintenance window it fired in (recorded, not notified while the window is open). */
  maintenance?: string | null
  /** Escalation levels paged so far, in order. */
  escalations?: EscalationStep[]
  /** Why it failed (job-failure and restart-loop incidents): the cause class and its evidence. */
  cause?: IncidentCause
}

/** A failure's cause (issue 11): class id (src/causes/classes.ts), who fixes it, what to check, and the evidence. */
export interface IncidentCause {
  class: string
  owner: 'platform' | 'job'
  hint: string
  /** A few words for titles and digests ("Kafka broker unavailable"). */
  title: string
  /** The rule that decided; null when nothing matched. */
  rule: string | null
  runbook: string | null
  evidence: CauseEvidence
}

export interface CauseEvidence {
  /** The root exception's header line. */
  exception: string | null
  /** What the rule matched, and where (exception, platform, event, log, label). */
  matched: string | null
  source: string | null
  /** The root exception's first frames from user code, framework runs folded ("… 12 framework frames"). */
  frames: string[]
  /** The most telling WARN+ lines of the job's TaskManagers around the failure: one per template, newest first. */
  logs: { at: number; level: string; taskManager: string | null; text: string }[]
  /** Failures of this job with the same cause in the last 7 days, this one included. */
  countLast7d: number
  links: { job: string | null; logs: string | null }
}

/** One escalation level paged for an incident: `escalate[level]` of route `route`. */
export interface EscalationStep {
  route: number
  level: number
  at: number
  channels: string[]
  /** Who was paged before it: the route's channels (level 0) or the previous level's. */
  from: string[]
}

/** Which change of an incident a notification announces; with the incident id it is idempotent. */
export type TransitionKind = 'firing' | 'resolved' | 'reminder' | 'announce' | 'escalation'

export interface AlertTransition {
  /** `${incident.id}:${kind}[:n]`: one notification per channel per transition, ever. */
  id: string
  kind: TransitionKind
  alert: AlertEvent
  /** Epoch ms when flinkwatch detected the change (start of the detection-to-delivery latency). */
  at: number
  /** Only this route's channels (per-route reminders). */
  route?: number
  /** An escalation: only that level's channels. */
  escalation?: EscalationStep
}

/** A silence: matching incidents are recorded but not notified until it ends. */
export interface Silence {
  id: string
  /** Regular expressions, anchored; absent = any. */
  matchers: { cluster?: string; job?: string; rule?: string; severity?: string }
  startsAt: number
  endsAt: number
  createdBy: string
  comment: string
  /** Set when deleted before endsAt. */
  expiredAt: number | null
}
