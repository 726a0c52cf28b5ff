/** A job whose newest run is FAILED; resolves when a run of that name is RUNNING again. */
import { Type } from '@sinclair/typebox'
import type { RuleKind } from './rule.js'
import { jobRule } from './job-rule.js'

export const jobFailed: RuleKind = {
  kind: 'job-failed',
  level: 'job',
  defaultSeverity: 'critical',
  params: Type.Object({}, { additionalProperties: false }),
  create: (spec) =>
    jobRule(spec, {
      // A failed job stays failed even when Flink later drops it from its job list.
      resolveVanished: false,
      check(job) {
        if (job.state === 'FAILED') {
          const ex = job.latestException?.message ?? null
          return { active: true, summary: `job failed${ex ? `: ${ex}` : ''}`, figures: { restarts: job.restarts, exception: ex } }
        }
        if (job.state === 'FAILING') return null
        return { active: false }
      },
      // Transitions arrive before the poll's snapshot list; reacting to them saves nothing but
      // lets synthetic events (benchmarks, other collectors) drive the rule too.
      onOther(event) {
        if (event.type !== 'job.transition') return []
        const t = event.transition
        if (t.from === null) return []
        const subject = { cluster: t.cluster, jobName: t.jobName, jobId: t.jobId }
        if (t.to === 'FAILED') return [{ subject, active: true, at: t.at, summary: `job failed${t.exception ? `: ${t.exception}` : ''}`, figures: { restarts: t.restarts, exception: t.exception } }]
        if (t.to === 'RUNNING') return [{ subject, active: false, at: t.at }]
        return []
      },
    }),
}
