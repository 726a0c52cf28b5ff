/**
 * A log template never seen before for this job, at WARN or worse (issue 11; off by default). Lines
 * are templated like the patterns API does (numbers, ids, hosts, paths masked), so "Checkpoint 18
 * expired" after "Checkpoint 17 expired" is not new. flinkwatch learns a job's templates for
 * `learnFor` after it first sees the job's lines (a restart of flinkwatch learns again), then a new
 * template opens an incident that resolves after `resolveAfter` without another new one.
 */
import { Type } from '@sinclair/typebox'
import { DURATION_PATTERN, parseDuration } from '../../src/core/duration.js'
import { lineTemplate } from '../../src/logs/patterns/miner.js'
import type { Observation, Rule, RuleKind, Subject } from './rule.js'

interface JobTemplates {
  subject: Subject
  firstSeen: number
  known: Set<string>
  lastNew: number | null
}

export const newErrorPattern: RuleKind = {
  kind: 'new-error-pattern',
  level: 'job',
  defaultSeverity: 'warning',
  params: Type.Object(
    {
      levels: Type.String({ default: 'WARN,ERROR,FATAL' }),
      learnFor: Type.String({ pattern: DURATION_PATTERN, default: '1h' }),
      resolveAfter: Type.String({ pattern: DURATION_PATTERN, default: '15m' }),
      maxTemplatesPerJob: Type.Integer({ minimum: 10, default: 2000 }),
    },
    { additionalProperties: false },
  ),
  create(spec): Rule {
    const levels = new Set(String(spec.params['levels']).split(',').map((s) => s.trim().toUpperCase()))
    const learnForMs = parseDuration(String(spec.params['learnFor']))
    const resolveAfterMs = parseDuration(String(spec.params['resolveAfter']))
    const maxTemplates = Number(spec.params['maxTemplatesPerJob'])
    const jobs = new Map<string, JobTemplates>()
    return {
      spec,
      level: 'job',
      onEvent(event, now) {
        if (event.type !== 'log.stored') return []
        const out: Observation[] = []
        for (const r of event.records) {
          if (!r.level || !levels.has(r.level) || !r.cluster || !r.jobName || r.marker) continue
          const key = `${r.cluster}|${r.jobName}`
          let j = jobs.get(key)
          if (!j) jobs.set(key, (j = { subject: { cluster: r.cluster, jobName: r.jobName, jobId: r.jobId }, firstSeen: now, known: new Set(), lastNew: null }))
          const template = lineTemplate(r.message)
          if (j.known.has(template)) continue
          // A job that logs unbounded distinct lines stops being judged rather than growing without end.
          if (j.known.size >= maxTemplates) continue
          j.known.add(template)
          if (now - j.firstSeen < learnForMs) continue
          j.lastNew = now
          if (r.jobId) j.subject.jobId = r.jobId
          out.push({ subject: j.subject, active: true, at: r.timestamp, summary: `new ${r.level} log pattern: ${template.slice(0, 200)}`, figures: { pattern: template.slice(0, 300), example: r.message.split('\n')[0]!.slice(0, 300), level: r.level } })
        }
        return out
      },
      onTick(now) {
        const out: Observation[] = []
        for (const j of jobs.values()) {
          if (j.lastNew === null || now - j.lastNew < resolveAfterMs) continue
          j.lastNew = null
          out.push({ subject: j.subject, active: false, at: now })
        }
        return out
      },
    }
  },
}
