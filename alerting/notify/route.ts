/** Route stage: which channels, in which group, get a transition. */
import type { RouteConfig } from '../../src/config/sections/alerting.js'
import type { AlertTransition } from '../../src/model/alert.js'
import type { Channel } from '../channels/channel.js'
import { compileMatcher, matchingRoutes, routeMatches, type RouteMatcher } from './route-match.js'

export interface Target {
  channel: string
  groupKey: string
  groupWaitMs: number
  /** Hold a quiet group's first transition for groupWait too, instead of sending it at once. */
  holdFirst: boolean
}

interface CompiledRoute extends RouteMatcher {
  channels: string[]
  groupWaitMs: number
  holdFirst: boolean
}

export class Router {
  private readonly routes: CompiledRoute[]

  constructor(
    routes: readonly RouteConfig[],
    private readonly channels: ReadonlyMap<string, Channel>,
    private readonly defaults: { groupWaitMs: number; holdFirst: boolean },
  ) {
    this.routes = routes.map((r, index) => ({
      ...compileMatcher(r, index),
      channels: r.channels,
      groupWaitMs: r.groupWait ?? defaults.groupWaitMs,
      holdFirst: r.holdFirst ?? defaults.holdFirst,
    }))
  }

  /**
   * Without routes every channel gets everything; with routes, matching routes in order until one
   * without `continue`. A per-route reminder goes to its route only, an escalation to its level's
   * channels only, and a resolved message also to every escalation level that was paged.
   */
  targets(t: AlertTransition): Target[] {
    const a = t.alert
    const out = new Map<string, Target>()
    const add = (channel: string, groupKey: string, grouping: { groupWaitMs: number; holdFirst: boolean }): void => {
      const c = this.channels.get(channel)
      if (!c || out.has(channel)) return
      if (t.kind === 'resolved' && !c.sendResolved) return
      out.set(channel, { channel, groupKey, groupWaitMs: grouping.groupWaitMs, holdFirst: grouping.holdFirst })
    }
    if (t.escalation) {
      const s = t.escalation
      for (const id of s.channels) add(id, `route-${s.route}-level-${s.level}`, this.routes[s.route] ?? this.defaults)
      return [...out.values()]
    }
    if (this.routes.length === 0) {
      for (const id of this.channels.keys()) add(id, 'default', this.defaults)
      return [...out.values()]
    }
    const routes = t.route !== undefined ? this.routes.filter((r) => r.index === t.route && routeMatches(r, a)) : matchingRoutes(this.routes, a)
    for (const r of routes) for (const id of r.channels) add(id, `route-${r.index}`, r)
    if (t.kind === 'resolved') {
      for (const s of a.escalations ?? []) for (const id of s.channels) add(id, `route-${s.route}-level-${s.level}`, this.routes[s.route] ?? this.defaults)
    }
    return [...out.values()]
  }
}
