import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Clock } from '../../core/clock.js'
import { DEFAULT_PATTERN_LINES, MAX_PATTERN_LINES, type LogPatterns } from '../../logs/patterns/patterns-service.js'
import { TimeParam, errorResponses } from '../schemas.js'
import { parseTimeParam } from '../time-param.js'

const Pattern = Type.Object({
  id: Type.String({ description: 'stable id of the template text' }),
  template: Type.String({ description: 'the line with variable parts masked: <num> <id> <uuid> <ip> <host> <path> <url> <time>, and <*> where lines of the template differ' }),
  count: Type.Integer(),
  firstSeen: Type.String({ format: 'date-time' }),
  lastSeen: Type.String({ format: 'date-time' }),
  example: Type.String({ description: 'the newest line of the template' }),
  level: Type.Union([Type.String(), Type.Null()], { description: 'highest level among its lines' }),
})

export const PatternsQuery = Type.Object({
  cluster: Type.Optional(Type.String()),
  job: Type.Optional(Type.String({ description: 'job id (32 hex) or job name' })),
  taskManager: Type.Optional(Type.String()),
  level: Type.Optional(Type.String({ description: 'one level or a comma-separated list, e.g. WARN,ERROR,FATAL' })),
  from: Type.Optional(TimeParam('inclusive; default: an hour before to')),
  to: Type.Optional(TimeParam('exclusive; default: now')),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PATTERN_LINES, default: DEFAULT_PATTERN_LINES, description: 'lines read at most, newest first' })),
})

const iso = (t: number): string => new Date(t).toISOString()

/** GET /api/v1/logs/patterns: a window's lines grouped into templates (viewer). */
export function logPatternRoutes(deps: { patterns: LogPatterns; clock: Clock }): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.get(
      '/logs/patterns',
      {
        schema: {
          tags: ['logs'],
          summary: 'Log lines of a window grouped into templates (error patterns), most frequent first',
          querystring: PatternsQuery,
          response: { 200: Type.Object({ patterns: Type.Array(Pattern), lines: Type.Integer({ description: 'lines grouped' }), truncated: Type.Boolean({ description: 'more lines matched than limit' }), from: Type.String({ description: 'ISO 8601 (years past 9999 in the extended form)' }), to: Type.String({ description: 'ISO 8601 (years past 9999 in the extended form)' }) }), ...errorResponses },
        },
      },
      async (req) => {
        const q = req.query
        const to = parseTimeParam('to', q.to) ?? deps.clock.now()
        const from = parseTimeParam('from', q.from) ?? to - 3_600_000
        const r = await deps.patterns.patterns({ cluster: q.cluster, job: q.job, taskManager: q.taskManager, level: q.level, from, to, maxLines: q.limit })
        return { patterns: r.patterns.map((p) => ({ ...p, firstSeen: iso(p.firstSeen), lastSeen: iso(p.lastSeen) })), lines: r.lines, truncated: r.truncated, from: iso(from), to: iso(to) }
      },
    )
  }
}
