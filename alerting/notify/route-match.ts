/** Which routes an incident matches: shared by the router (who gets a message) and the on-call policy (repeat, escalation). */
import type { RouteConfig } from '../../src/config/sections/alerting.js'
import type { AlertEvent } from '../../src/model/alert.js'

export interface RouteMatcher {
  index: number
  severities: Set<string> | null
  cluster: RegExp | null
  job: RegExp | null
  continue: boolean
}

export function compileMatcher(r: RouteConfig, index: number): RouteMatcher {
  return {
    index,
    severities: r.severities ? new Set(r.severities) : null,
    cluster: r.match?.cluster ? new RegExp(`^(?:${r.match.cluster})$`) : null,
    job: r.match?.job ? new RegExp(`^(?:${r.match.job})$`) : null,
    continue: r.continue,
  }
}

export function routeMatches(r: RouteMatcher, a: AlertEvent): boolean {
  if (r.severities && !r.severities.has(a.severity)) return false
  if (r.cluster && !r.cluster.test(a.cluster)) return false
  if (r.job && !r.job.test(a.jobName ?? '')) return false
  return true
}

/** The routes an incident goes down: in order, until the first matching one without `continue`. */
export function matchingRoutes<R extends RouteMatcher>(routes: readonly R[], a: AlertEvent): R[] {
  const out: R[] = []
  for (const r of routes) {
    if (!routeMatches(r, a)) continue
    out.push(r)
    if (!r.continue) break
  }
  return out
}
