/** The last completed checkpoint took longer than a duration. */
import { Type } from '@sinclair/typebox'
import { DURATION_PATTERN, formatDuration, parseDuration } from '../../src/core/duration.js'
import type { RuleKind } from './rule.js'
import { jobRule } from './job-rule.js'

export const checkpointSlow: RuleKind = {
  kind: 'checkpoint-slow',
  level: 'job',
  defaultSeverity: 'warning',
  params: Type.Object({ duration: Type.String({ pattern: DURATION_PATTERN, default: '5m' }) }, { additionalProperties: false }),
  create(spec) {
    const limit = parseDuration(spec.params['duration'] as string)
    return jobRule(spec, {
      check(job) {
        const last = job.checkpoints?.lastCompleted
        if (!last) return null
        return { active: last.durationMs > limit, summary: `last checkpoint took ${formatDuration(last.durationMs)} (limit ${formatDuration(limit)})`, figures: { checkpointDurationSeconds: Math.round(last.durationMs / 1000) } }
      },
    })
  },
}
