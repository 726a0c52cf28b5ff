/** Busy time (max over vertices) above a ratio: the job is at capacity. */
import { Type } from '@sinclair/typebox'
import type { RuleKind } from './rule.js'
import { jobRule, pct } from './job-rule.js'

export const busy: RuleKind = {
  kind: 'busy',
  level: 'job',
  defaultSeverity: 'info',
  params: Type.Object({ ratio: Type.Number({ minimum: 0, maximum: 1, default: 0.9 }) }, { additionalProperties: false }),
  create(spec) {
    const ratio = spec.params['ratio'] as number
    return jobRule(spec, {
      check(job) {
        if (job.busy === null) return null
        const worst = job.vertices.filter((v) => v.busy !== null).sort((a, b) => b.busy! - a.busy!)[0]
        return { active: job.busy > ratio, summary: `busy ${pct(job.busy)} of the time${worst ? ` (${worst.name})` : ''}, above ${pct(ratio)}`, figures: { busy: job.busy } }
      },
    })
  },
}
