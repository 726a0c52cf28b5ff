/** Restarts (Flink's numRestarts) grew by at least N within a window. */
import { Type } from '@sinclair/typebox'
import { DURATION_PATTERN, parseDuration } from '../../src/core/duration.js'
import type { RuleKind } from './rule.js'
import { CounterWindow, jobRule } from './job-rule.js'

export const restartLoop: RuleKind = {
  kind: 'restart-loop',
  level: 'job',
  defaultSeverity: 'critical',
  params: Type.Object({ restarts: Type.Integer({ minimum: 1, default: 3 }), window: Type.String({ pattern: DURATION_PATTERN, default: '10m' }) }, { additionalProperties: false }),
  create(spec) {
    const n = spec.params['restarts'] as number
    const windowText = spec.params['window'] as string
    // A new run (resubmission) counts restarts from 0 again; the window keeps judging the job.
    const restarts = new CounterWindow(parseDuration(windowText), 'from-zero')
    return jobRule(spec, {
      forget: (cluster, name) => restarts.forget(cluster, name),
      check(job, now) {
        const inc = restarts.increase(job, now, job.restarts)
        return { active: inc >= n, summary: `restarted ${inc} times in ${windowText} (${job.restarts} since submission), now ${job.state}`, figures: { restarts: job.restarts, restartsInWindow: inc, exception: job.latestException?.message ?? null } }
      },
    })
  },
}
