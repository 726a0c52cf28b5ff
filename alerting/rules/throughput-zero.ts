/** A running job that reads nothing while its Kafka lag grows: stuck, not idle. */
import { Type } from '@sinclair/typebox'
import type { RuleKind } from './rule.js'
import { fmt, jobRule } from './job-rule.js'

export const throughputZero: RuleKind = {
  kind: 'throughput-zero',
  level: 'job',
  defaultSeverity: 'critical',
  params: Type.Object({}, { additionalProperties: false }),
  create(spec) {
    const lastLag = new Map<string, number>()
    return jobRule(spec, {
      forget: (cluster, name) => lastLag.delete(`${cluster}|${name}`),
      check(job) {
        if (job.lag === null || job.recordsInPerSec === null) return null
        const key = `${job.cluster}|${job.name}`
        const prev = lastLag.get(key)
        // The poller re-publishes the cached lag between metric refreshes (every 60 s against a
        // 10 s poll): an unchanged reading is not news, and judging it "not growing" would reset `for`.
        if (prev === job.lag) return null
        lastLag.set(key, job.lag)
        if (prev === undefined) return null
        const stuck = job.state === 'RUNNING' && job.recordsInPerSec === 0 && job.lag > prev
        return { active: stuck, summary: `reads 0 records/s while lag grows (${fmt(prev)} → ${fmt(job.lag)})`, figures: { lag: job.lag, recordsInPerSec: job.recordsInPerSec } }
      },
    })
  },
}
