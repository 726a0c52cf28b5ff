/** A cluster the fleet declared down (downAfter failed probes); inhibits its jobs' alerts. */
import { Type } from '@sinclair/typebox'
import type { Rule, RuleKind } from './rule.js'

export const clusterDown: RuleKind = {
  kind: 'cluster-down',
  level: 'cluster',
  defaultSeverity: 'critical',
  params: Type.Object({}, { additionalProperties: false }),
  create(spec): Rule {
    return {
      spec,
      level: 'cluster',
      onEvent(event, now) {
        if (event.type !== 'cluster.status') return []
        const s = event.status
        const subject = { cluster: s.id, jobName: null, jobId: null }
        if (s.status === 'up') return [{ subject, active: false, at: s.lastSeen ?? now }]
        return [
          {
            subject,
            active: true,
            at: now,
            summary: `cluster ${s.id} is down (${s.consecutiveFailures} failed probes)${s.lastError ? `: ${s.lastError}` : ''}; ${s.jobs.total} job(s) affected`,
            figures: { jobsAffected: s.jobs.total, runningJobs: s.jobs.running, lastSeen: s.lastSeen === null ? null : new Date(s.lastSeen).toISOString(), lastError: s.lastError },
          },
        ]
      },
    }
  },
}
