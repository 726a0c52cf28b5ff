/**
 * A job that ended CANCELED or FINISHED without an operator asking for it (no lifecycle operation
 * on it, seen as `operation.updated`, within `operatorWindow`). Runs that ended before flinkwatch
 * started are not judged: their operations are unknown.
 */
import { Type } from '@sinclair/typebox'
import { DURATION_PATTERN, parseDuration } from '../../src/core/duration.js'
import type { RuleKind } from './rule.js'
import { jobRule } from './job-rule.js'

export const jobNotRunning: RuleKind = {
  kind: 'job-not-running',
  level: 'job',
  defaultSeverity: 'warning',
  params: Type.Object(
    { states: Type.String({ default: 'CANCELED,FINISHED' }), operatorWindow: Type.String({ pattern: DURATION_PATTERN, default: '15m' }) },
    { additionalProperties: false },
  ),
  create(spec) {
    const states = new Set(String(spec.params['states']).split(',').map((s) => s.trim().toUpperCase()))
    const windowMs = parseDuration(spec.params['operatorWindow'] as string)
    const opsByJobId = new Set<string>()
    const opsByName = new Map<string, number>()
    let firstSeen: number | null = null
    return jobRule(spec, {
      resolveVanished: false,
      onOther(event) {
        if (event.type !== 'operation.updated') return []
        const op = event.operation
        opsByJobId.add(`${op.cluster}|${op.jobId}`)
        if (op.jobName) opsByName.set(`${op.cluster}|${op.jobName}`, Math.max(op.createdAt, opsByName.get(`${op.cluster}|${op.jobName}`) ?? 0))
        return []
      },
      check(job, now) {
        firstSeen ??= now
        if (job.state === 'RUNNING') return { active: false }
        if (!states.has(job.state)) return null
        const ended = job.endTime ?? now
        if (ended < firstSeen) return null
        const byName = opsByName.get(`${job.cluster}|${job.name}`)
        if (opsByJobId.has(`${job.cluster}|${job.jobId}`) || (byName !== undefined && byName >= ended - windowMs)) return { active: false }
        return { active: true, summary: `job is ${job.state} but nobody stopped it through flinkwatch`, figures: { state: job.state, endedAt: new Date(ended).toISOString() } }
      },
    })
  },
}
