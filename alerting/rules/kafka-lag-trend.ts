/**
 * Burrow's judgement of a consumer, on the job's lag: over the last `samples` samples the lag was
 * never at or below `allowedLag` and never decreased between two samples (a stalled or falling
 * behind consumer). Magnitude does not matter, only the trend; any sample at or below allowedLag
 * resolves it. A sample is a fresh reading: the poller re-publishes the cached lag between metric
 * refreshes, and counting those repeats as samples would pass "never decreased" on a healthy job.
 */
import { Type } from '@sinclair/typebox'
import type { RuleKind } from './rule.js'
import { fmt, jobRule } from './job-rule.js'

export const kafkaLagTrend: RuleKind = {
  kind: 'kafka-lag-trend',
  level: 'job',
  defaultSeverity: 'warning',
  params: Type.Object({ samples: Type.Integer({ minimum: 2, default: 10 }), allowedLag: Type.Number({ minimum: 0, default: 0 }) }, { additionalProperties: false }),
  create(spec) {
    const size = spec.params['samples'] as number
    const allowed = spec.params['allowedLag'] as number
    const rings = new Map<string, number[]>()
    return jobRule(spec, {
      forget: (cluster, name) => rings.delete(`${cluster}|${name}`),
      check(job) {
        if (job.lag === null) return null
        const key = `${job.cluster}|${job.name}`
        let ring = rings.get(key)
        if (!ring) rings.set(key, (ring = []))
        if (ring.length > 0 && ring[ring.length - 1] === job.lag) return null
        ring.push(job.lag)
        if (ring.length > size) ring.shift()
        if (ring.some((l) => l <= allowed)) return { active: false }
        if (ring.length < size) return null
        const neverDecreased = ring.every((l, i) => i === 0 || l >= ring[i - 1]!)
        return { active: neverDecreased, summary: `lag never decreased over the last ${size} samples (${fmt(ring[0]!)} → ${fmt(ring[ring.length - 1]!)})`, figures: { lag: job.lag, lagAtWindowStart: ring[0]! } }
      },
    })
  },
}
