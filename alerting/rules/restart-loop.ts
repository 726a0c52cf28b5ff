/** Restarts (Flink's numRestarts) grew by at least N within a window. */
import { Type } from '@sinclair/typebox'
import { parseDuration } from '../../src/core/duration.js'
import { DURATION_PATTERN } from '../../src/core/duration.js'
import type { RuleKind } from './rule.js'
import { SampleWindow, jobRule } from './job-rule.js'

export const restartLoop: RuleKind = {
  kind: 'restart-loop',
  level: 'job',
  defaultSeverity: 'critical',
  params: Type.Object({ restarts: Type.Integer({ minimum: 1, default: 3 }), window: Type.String({ pattern: DURATION_PATTERN, default: '10m' }) }, { additionalProperties: false }),
  create(spec) {
    const n = spec.params['restarts'] as number
    const windowText = spec.params['window'] as string
    const samples = new SampleWindow(parseDuration(windowText))
    const runs = new Map<string, string>()
    return jobRule(spec, {
      forget: (cluster, name) => samples.reset(`${cluster}|${name}`),
      check(job, now) {
        const key = `${job.cluster}|${job.name}`
        // A new run (resubmission) counts restarts from 0 again; the window keeps judging the job.
        if (runs.get(key) !== job.jobId) {
          if (runs.has(key)) samples.add(key, now, 0)
          runs.set(key, job.jobId)
        }
        const list = samples.add(key, now, job.restarts)
        const inc = SampleWindow.increase(list)
        return { active: inc >= n, summary: `restarted ${inc} times in ${windowText} (${job.restarts} since submission), now ${job.state}`, figures: { restarts: job.restarts, restartsInWindow: inc, exception: job.latestException?.message ?? null } }
      },
    })
  },
}
