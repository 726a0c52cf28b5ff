/** Back-pressured time (max over vertices) above a ratio; `for` gives the duration. */
import { Type } from '@sinclair/typebox'
import type { RuleKind } from './rule.js'
import { jobRule, pct } from './job-rule.js'

export const backpressure: RuleKind = {
  kind: 'backpressure',
  level: 'job',
  defaultSeverity: 'warning',
  params: Type.Object({ ratio: Type.Number({ minimum: 0, maximum: 1, default: 0.8 }) }, { additionalProperties: false }),
  create(spec) {
    const ratio = spec.params['ratio'] as number
    return jobRule(spec, {
      check(job) {
        if (job.backpressure === null) return null
        const worst = job.vertices.filter((v) => v.backpressure !== null).sort((a, b) => b.backpressure! - a.backpressure!)[0]
        return { active: job.backpressure > ratio, summary: `back-pressured ${pct(job.backpressure)} of the time${worst ? ` (${worst.name})` : ''}, above ${pct(ratio)}`, figures: { backpressure: job.backpressure } }
      },
    })
  },
}
