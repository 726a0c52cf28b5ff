/** A running job with checkpointing on and no completed checkpoint for factor × interval. */
import { Type } from '@sinclair/typebox'
import { DURATION_PATTERN, formatDuration, parseDuration } from '../../src/core/duration.js'
import type { RuleKind } from './rule.js'
import { jobRule } from './job-rule.js'

export const checkpointStale: RuleKind = {
  kind: 'checkpoint-stale',
  level: 'job',
  defaultSeverity: 'warning',
  params: Type.Object({ factor: Type.Number({ exclusiveMinimum: 0, default: 3 }), minAge: Type.String({ pattern: DURATION_PATTERN, default: '2m' }) }, { additionalProperties: false }),
  create(spec) {
    const factor = spec.params['factor'] as number
    const minAgeMs = parseDuration(spec.params['minAge'] as string)
    return jobRule(spec, {
      check(job, now) {
        if (job.state !== 'RUNNING') return { active: false }
        const cp = job.checkpoints
        if (!cp || cp.intervalMs === null) return null
        const since = cp.lastCompleted?.completedAt ?? job.startTime
        if (since === null) return null
        // As of the last read of the figures: what happened since is not known yet (see CheckpointStats.observedAt).
        const age = Math.min(now, cp.observedAt ?? now) - since
        const limit = Math.max(factor * cp.intervalMs, minAgeMs)
        return { active: age > limit, summary: `no completed checkpoint for ${formatDuration(age)} (interval ${formatDuration(cp.intervalMs)})`, figures: { checkpointAgeSeconds: Math.round(age / 1000), checkpointIntervalSeconds: Math.round(cp.intervalMs / 1000) } }
      },
    })
  },
}
