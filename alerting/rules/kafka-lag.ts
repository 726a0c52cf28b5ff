/** Kafka source lag above a threshold (the rule's `for` says for how long). */
import { Type } from '@sinclair/typebox'
import type { RuleKind } from './rule.js'
import { fmt, jobRule } from './job-rule.js'

export const kafkaLag: RuleKind = {
  kind: 'kafka-lag',
  level: 'job',
  defaultSeverity: 'warning',
  params: Type.Object({ threshold: Type.Number({ minimum: 0, default: 100_000 }) }, { additionalProperties: false }),
  create(spec) {
    const threshold = spec.params['threshold'] as number
    return jobRule(spec, {
      check(job) {
        if (job.lag === null) return null
        return { active: job.lag > threshold, summary: `Kafka lag ${fmt(job.lag)} records (threshold ${fmt(threshold)})`, figures: { lag: job.lag } }
      },
    })
  },
}
