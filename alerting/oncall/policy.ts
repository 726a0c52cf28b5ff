/**
 * Per-route repeat and escalation, read off the incident alone (its notifiedAt, remindedAt and
 * escalations are stored with it), so nothing needs a timer of its own: the engine's evaluation
 * tick asks what is due, and after a restart the same question gets the same answer.
 */
import type { RouteConfig } from '../../src/config/sections/alerting.js'
import type { AlertEvent, EscalationStep } from '../../src/model/alert.js'
import { compileMatcher, matchingRoutes, type RouteMatcher } from '../notify/route-match.js'

/** Reminders without routes (or for an incident no route matches) are kept under this key. */
export const ALL_ROUTES = '*'

interface PolicyRoute extends RouteMatcher {
  channels: string[]
  repeatIntervalMs: number
  levels: { afterMs: number; channels: string[] }[]
}

export interface ReminderDue {
  /** Route index; undefined without routes (every channel). */
  route: number | undefined
  key: string
}

export class OnCallPolicy {
  private readonly routes: PolicyRoute[]

  constructor(routes: readonly RouteConfig[], private readonly defaults: { repeatIntervalMs: number }) {
    this.routes = routes.map((r, i) => ({
      ...compileMatcher(r, i),
      channels: r.channels,
      repeatIntervalMs: r.repeatInterval ?? defaults.repeatIntervalMs,
      levels: (r.escalate ?? []).map((l) => ({ afterMs: l.after, channels: l.channels })),
    }))
  }

  /** Routes whose repeat interval passed since their last message; none once acknowledged. */
  remindersDue(a: AlertEvent, now: number): ReminderDue[] {
    if (a.state !== 'firing' || !a.notified || a.acknowledgedBy) return []
    // notifiedAt before lastNotifiedAt: another route's reminder moves the latter.
    const last = (key: string): number => a.remindedAt?.[key] ?? a.notifiedAt ?? a.lastNotifiedAt ?? a.startsAt
    if (this.routes.length === 0) return now - last(ALL_ROUTES) >= this.defaults.repeatIntervalMs ? [{ route: undefined, key: ALL_ROUTES }] : []
    return matchingRoutes(this.routes, a)
      .filter((r) => now - last(String(r.index)) >= r.repeatIntervalMs)
      .map((r) => ({ route: r.index, key: String(r.index) }))
  }

  /**
   * Escalation levels due now, each once: still firing, notified, not acknowledged, `after` since
   * the first notification. Levels overdue together (flinkwatch was down) are paged together.
   */
  escalationsDue(a: AlertEvent, now: number): EscalationStep[] {
    if (a.state !== 'firing' || !a.notified || a.acknowledgedBy) return []
    const since = a.notifiedAt ?? a.startsAt
    const done = new Set((a.escalations ?? []).map((s) => `${s.route}/${s.level}`))
    const out: EscalationStep[] = []
    for (const r of matchingRoutes(this.routes, a)) {
      r.levels.forEach((l, level) => {
        if (done.has(`${r.index}/${level}`) || now - since < l.afterMs) return
        out.push({ route: r.index, level, at: now, channels: l.channels, from: level === 0 ? r.channels : r.levels[level - 1]!.channels })
      })
    }
    return out
  }
}
