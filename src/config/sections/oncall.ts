/**
 * On-call keys of `alerting`: per-route repeat and escalation, one-click acknowledge links and
 * maintenance windows (issue 12).
 */
import { Type, type Static, type StaticDecode } from '@sinclair/typebox'
import { CronExpressionParser } from 'cron-parser'
import { DURATION_PATTERN } from '../../core/duration.js'
import { Duration, Id, Regex, Strict } from '../types.js'

export const EscalationLevel = Strict({
  after: Duration({ description: 'Still firing and not acknowledged this long after it was first notified: page this level.' }),
  channels: Type.Array(Id(), { minItems: 1 }),
})
export type EscalationLevel = StaticDecode<typeof EscalationLevel>

/** Keys every route gets on top of channels/match/grouping. */
export const routeOnCallKeys = {
  repeatInterval: Type.Optional(Duration({ description: "This route's alerting.repeatInterval (default: alerting.repeatInterval)." })),
  escalate: Type.Optional(Type.Array(EscalationLevel, { description: 'Ordered levels; each is paged once, after its `after`, unless the incident was acknowledged or resolved.' })),
}

export const AckLinksConfig = Strict(
  {
    /** HMAC key for the links; unset: a random key kept in the store (links survive restarts). */
    secret: Type.Optional(Type.String({ minLength: 16, errorMessage: 'must be at least 16 characters' })),
    ttl: Duration({ default: '24h', description: 'How long an acknowledge link in a notification works.' }),
  },
  { default: {} },
)
export type AckLinksConfig = StaticDecode<typeof AckLinksConfig>

export const WindowMatch = Strict(
  {
    cluster: Type.Optional(Regex()),
    job: Type.Optional(Regex({ description: 'job name, anchored regular expression' })),
    rule: Type.Optional(Regex()),
    severity: Type.Optional(Regex()),
  },
  { default: {} },
)

export const MaintenanceWindowConfig = Strict({
  id: Id(),
  comment: Type.String({ default: '' }),
  match: WindowMatch,
  /** One-off: ISO 8601 times. */
  from: Type.Optional(Type.String({ minLength: 1, description: 'ISO 8601' })),
  to: Type.Optional(Type.String({ minLength: 1, description: 'ISO 8601' })),
  /** Recurring: a cron expression (5 or 6 fields) in timeZone, open for duration from each occurrence. */
  cron: Type.Optional(Type.String({ minLength: 1 })),
  // Text, as the API takes it: the window is stored and shown with the duration its author wrote.
  duration: Type.Optional(Type.String({ pattern: DURATION_PATTERN, errorMessage: 'must be a duration like 500ms, 5s, 10m, 1h or 7d' })),
  timeZone: Type.String({ default: 'UTC', description: 'IANA time zone of the cron expression, e.g. Europe/Berlin.' }),
  pauseAutoRestart: Type.Boolean({ default: false, description: 'Auto-restart leaves matching jobs alone while the window is open.' }),
})
export type MaintenanceWindowConfig = Static<typeof MaintenanceWindowConfig>

export const alertingOnCallKeys = {
  ackLinks: AckLinksConfig,
  maintenance: Type.Array(MaintenanceWindowConfig, { default: [] }),
}

/** What the schema cannot see: escalation channels exist, a window is one-off or recurring and parses. */
export function onCallChecks(a: {
  channels: readonly { id: string }[]
  routes: readonly { escalate?: readonly EscalationLevel[] | undefined }[]
  maintenance: readonly MaintenanceWindowConfig[]
}): string[] {
  const out: string[] = []
  const channelIds = new Set(a.channels.map((c) => c.id))
  a.routes.forEach((r, i) =>
    r.escalate?.forEach((l, j) =>
      l.channels.forEach((id, k) => {
        if (!channelIds.has(id)) out.push(`alerting.routes[${i}].escalate[${j}].channels[${k}]: undefined channel ${JSON.stringify(id)}`)
      }),
    ),
  )
  const ids = new Map<string, number>()
  a.maintenance.forEach((w, i) => {
    const at = `alerting.maintenance[${i}]`
    const first = ids.get(w.id)
    if (first !== undefined) out.push(`${at}.id: duplicate id ${JSON.stringify(w.id)} (also alerting.maintenance[${first}])`)
    ids.set(w.id, i)
    out.push(...windowProblems(w).map((p) => `${at}.${p}`))
  })
  return out
}

/** Problems of one window definition as "key: problem" (config and API share it). */
export function windowProblems(w: { from?: string | undefined; to?: string | undefined; cron?: string | undefined; duration?: string | undefined; timeZone: string }): string[] {
  const out: string[] = []
  const oneOff = w.from !== undefined || w.to !== undefined
  const recurring = w.cron !== undefined || w.duration !== undefined
  if (oneOff === recurring) return ['from: give either from and to (one-off) or cron and duration (recurring)']
  if (oneOff) {
    const from = Date.parse(w.from ?? '')
    const to = Date.parse(w.to ?? '')
    if (!Number.isFinite(from)) out.push(`from: not an ISO 8601 time: ${JSON.stringify(w.from ?? '')}`)
    if (!Number.isFinite(to)) out.push(`to: not an ISO 8601 time: ${JSON.stringify(w.to ?? '')}`)
    if (out.length === 0 && to <= from) out.push('to: must be after from')
    return out
  }
  if (w.cron === undefined) out.push('cron: is required with duration')
  if (w.duration === undefined) out.push('duration: is required with cron')
  if (!validTimeZone(w.timeZone)) out.push(`timeZone: unknown time zone ${JSON.stringify(w.timeZone)}`)
  else if (w.cron !== undefined) {
    try {
      CronExpressionParser.parse(w.cron, { tz: w.timeZone, strict: false })
    } catch (err) {
      out.push(`cron: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  return out
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return true
  } catch {
    return false
  }
}
