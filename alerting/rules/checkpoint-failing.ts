/** At least N failed checkpoints within a window. */
import { Type } from '@sinclair/typebox'
import { DURATION_PATTERN, parseDuration } from '../../src/core/duration.js'
import type { RuleKind } from './rule.js'
import { CounterWindow, jobRule } from './job-rule.js'

export const checkpointFailing: RuleKind = {
  kind: 'checkpoint-failing',
  level: 'job',
  defaultSeverity: 'warning',
  params: Type.Object({ failures: Type.Integer({ minimum: 1, default: 3 }), window: Type.String({ pattern: DURATION_PATTERN, default: '10m' }) }, { additionalProperties: false }),
  create(spec) {
    const n = spec.params['failures'] as number
    const windowText = spec.params['window'] as string
    // A new run's failure counter is its own: its first value is the baseline.
    const failures = new CounterWindow(parseDuration(windowText), 'reset')
    return jobRule(spec, {
      forget: (cluster, name) => failures.forget(cluster, name),
      check(job, now) {
        const cp = job.checkpoints
        if (!cp) return null
        const inc = failures.increase(job, now, cp.failed)
        return { active: inc >= n, summary: `${inc} checkpoints failed in ${windowText}${cp.lastFailureMessage ? `: ${cp.lastFailureMessage}` : ''}`, figures: { failedCheckpoints: inc, lastFailure: cp.lastFailureMessage } }
      },
    })
  },
}
