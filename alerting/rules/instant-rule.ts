/**
 * Rules for things that happen rather than last (a JobManager failover, a TaskManager killed): the
 * incident opens on the event and resolves after `resolveAfter` without another one.
 */
import { parseDuration } from '../../src/core/duration.js'
import type { ClusterIncident } from '../../src/model/cluster.js'
import type { Observation, Rule, RuleSpec, Subject } from './rule.js'

export function instantRule(spec: RuleSpec, kinds: readonly ClusterIncident['kind'][], describe: (i: ClusterIncident, count: number) => string): Rule {
  const resolveAfterMs = parseDuration(String(spec.params['resolveAfter'] ?? '15m'))
  const open = new Map<string, { subject: Subject; last: number; count: number }>()
  return {
    spec,
    level: 'cluster',
    onEvent(event) {
      if (event.type !== 'cluster.incident' || !kinds.includes(event.incident.kind)) return []
      const i = event.incident
      const subject: Subject = { cluster: i.cluster, jobName: i.jobName ?? null, jobId: null }
      const key = `${i.cluster}|${i.jobName ?? ''}`
      const cur = open.get(key) ?? { subject, last: i.at, count: 0 }
      cur.count++
      cur.last = i.at
      open.set(key, cur)
      return [{ subject, active: true, at: i.at, summary: describe(i, cur.count), figures: { [i.kind]: cur.count, subject: i.subject } }]
    },
    onTick(now) {
      const out: Observation[] = []
      for (const [key, o] of open) {
        if (now - o.last < resolveAfterMs) continue
        open.delete(key)
        out.push({ subject: o.subject, active: false, at: now })
      }
      return out
    },
  }
}
