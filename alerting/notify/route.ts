/** Route stage: which channels, in which group, get a transition. */
import type { RouteConfig } from '../../src/config/sections/alerting.js'
import type { AlertTransition } from '../../src/model/alert.js'
import type { Channel } from '../channels/channel.js'

export interface Target {
  channel: string
  groupKey: string
  groupWaitMs: number
  /** Hold a quiet group's first transition for groupWait too, instead of sending it at once. */
  holdFirst: boolean
}

interface CompiledRoute {
  index: number
  channels: string[]
  severities: Set<string> | null
  cluster: RegExp | null
  job: RegExp | null
  groupWaitMs: number
  holdFirst: boolean
  continue: boolean
}

export class Router {
  private readonly routes: CompiledRoute[]

  constructor(
    routes: readonly RouteConfig[],
    private readonly channels: ReadonlyMap<string, Channel>,
    private readonly defaults: { groupWaitMs: number; holdFirst: boolean },
  ) {
    this.routes = routes.map((r, index) => ({
      index,
      channels: r.channels,
      severities: r.severities ? new Set(r.severities) : null,
      cluster: r.match?.cluster ? new RegExp(`^(?:${r.match.cluster})$`) : null,
      job: r.match?.job ? new RegExp(`^(?:${r.match.job})$`) : null,
      groupWaitMs: r.groupWait ?? defaults.groupWaitMs,
      holdFirst: r.holdFirst ?? defaults.holdFirst,
      continue: r.continue,
    }))
  }

  /** Without routes every channel gets everything; with routes, matching routes in order until one without `continue`. */
  targets(t: AlertTransition): Target[] {
    const a = t.alert
    const out = new Map<string, Target>()
    const add = (channel: string, groupKey: string, grouping: { groupWaitMs: number; holdFirst: boolean }): void => {
      const c = this.channels.get(channel)
      if (!c || out.has(channel)) return
      if (t.kind === 'resolved' && !c.sendResolved) return
      out.set(channel, { channel, groupKey, groupWaitMs: grouping.groupWaitMs, holdFirst: grouping.holdFirst })
    }
    if (this.routes.length === 0) {
      for (const id of this.channels.keys()) add(id, 'default', this.defaults)
      return [...out.values()]
    }
    for (const r of this.routes) {
      if (r.severities && !r.severities.has(a.severity)) continue
      if (r.cluster && !r.cluster.test(a.cluster)) continue
      if (r.job && !r.job.test(a.jobName ?? '')) continue
      for (const id of r.channels) add(id, `route-${r.index}`, r)
      if (!r.continue) break
    }
    return [...out.values()]
  }
}
