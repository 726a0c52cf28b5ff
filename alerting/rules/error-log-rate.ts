/** More than `threshold` ERROR (and FATAL) log records of one job within `window`. */
import { Type } from '@sinclair/typebox'
import { DURATION_PATTERN, parseDuration } from '../../src/core/duration.js'
import type { Observation, Rule, RuleKind } from './rule.js'

export const errorLogRate: RuleKind = {
  kind: 'error-log-rate',
  level: 'job',
  defaultSeverity: 'warning',
  params: Type.Object(
    { threshold: Type.Integer({ minimum: 1, default: 50 }), window: Type.String({ pattern: DURATION_PATTERN, default: '1m' }), levels: Type.String({ default: 'ERROR,FATAL' }) },
    { additionalProperties: false },
  ),
  create(spec): Rule {
    const threshold = spec.params['threshold'] as number
    const windowText = spec.params['window'] as string
    const windowMs = parseDuration(windowText)
    const levels = new Set(String(spec.params['levels']).split(',').map((s) => s.trim().toUpperCase()))
    const jobs = new Map<string, { cluster: string; name: string; jobId: string | null; times: number[]; last: string }>()
    const judge = (key: string, now: number): Observation | undefined => {
      const j = jobs.get(key)
      if (!j) return undefined
      while (j.times.length > 0 && now - j.times[0]! >= windowMs) j.times.shift()
      const n = j.times.length
      if (n === 0) jobs.delete(key)
      return { subject: { cluster: j.cluster, jobName: j.name, jobId: j.jobId }, active: n > threshold, at: now, summary: `${n} ERROR log records in ${windowText} (threshold ${threshold}); latest: ${j.last}`, figures: { errorLogs: n, latestError: j.last } }
    }
    return {
      spec,
      level: 'job',
      onEvent(event, now) {
        if (event.type !== 'log.stored') return []
        const touched = new Set<string>()
        for (const r of event.records) {
          if (!r.level || !levels.has(r.level) || !r.cluster || !r.jobName || r.marker) continue
          const key = `${r.cluster}|${r.jobName}`
          let j = jobs.get(key)
          if (!j) jobs.set(key, (j = { cluster: r.cluster, name: r.jobName, jobId: r.jobId, times: [], last: '' }))
          // Records are judged by arrival: a replayed backlog of old lines is still a burst worth knowing.
          j.times.push(now)
          j.last = (r.errorMessage ?? r.message).split('\n')[0]!.slice(0, 200)
          touched.add(key)
        }
        return [...touched].map((k) => judge(k, now)).filter((o): o is Observation => o !== undefined)
      },
      onTick(now) {
        return [...jobs.keys()].map((k) => judge(k, now)).filter((o): o is Observation => o !== undefined)
      },
    }
  },
}
