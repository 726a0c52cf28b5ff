import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Clock } from '../../core/clock.js'
import { AppError } from '../../core/errors.js'
import { ingestHttpBody } from '../../logs/http-ingest.js'
import type { LogPipeline } from '../../logs/pipeline.js'
import { MAX_SEARCH_LIMIT, type LogSearch } from '../../logs/search.js'
import { TimeParam, errorResponses } from '../schemas.js'
import { parseTimeParam } from '../time-param.js'
import { CURSOR_PATTERN } from '../../storage/store.js'

const Hit = Type.Object(
  {
    id: Type.String(),
    timestamp: Type.String({ format: 'date-time' }),
    level: Type.Union([Type.String(), Type.Null()]),
    message: Type.String(),
    logger: Type.Union([Type.String(), Type.Null()]),
    thread: Type.Union([Type.String(), Type.Null()]),
    cluster: Type.Union([Type.String(), Type.Null()]),
    jobId: Type.Union([Type.String(), Type.Null()]),
    jobName: Type.Union([Type.String(), Type.Null()]),
    taskManager: Type.Union([Type.String(), Type.Null()]),
    stackTrace: Type.Union([Type.String(), Type.Null()]),
    truncated: Type.Boolean({ description: 'cut to logs.maxRecordBytes' }),
    marker: Type.Boolean({ description: 'a "N lines dropped by rate limit" marker' }),
    highlight: Type.Union([Type.String(), Type.Null()], { description: 'message fragment with matches in <em></em>' }),
  },
  { $id: 'LogHit' },
)

const SearchQuery = Type.Object({
  // Within MAX_URL_LENGTH (8192) in the worst case, so a q over the bound is the schema's 400, not the server's 414:
  // 600 code points of 4-byte UTF-8, percent-encoded, are 7,200 characters (2000 were up to 24,000).
  q: Type.Optional(Type.String({ maxLength: 600, description: 'words (all must match), "exact phrases", level:/logger:/thread:/job:/taskManager:/cluster: value, -word to exclude' })),
  cluster: Type.Optional(Type.String()),
  job: Type.Optional(Type.String({ description: 'job id (32 hex) or job name' })),
  taskManager: Type.Optional(Type.String()),
  level: Type.Optional(Type.String({ description: 'one level or a comma-separated list' })),
  from: Type.Optional(TimeParam('Oldest line, inclusive')),
  to: Type.Optional(TimeParam('Newest line, exclusive')),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SEARCH_LIMIT, default: 100 })),
  cursor: Type.Optional(Type.String({ pattern: CURSOR_PATTERN, description: 'nextCursor of the previous page' })),
})

const IngestResponse = Type.Object({
  accepted: Type.Integer(),
  rejected: Type.Integer(),
  dropped: Type.Integer({ description: 'accepted but dropped by the rate limit' }),
  errors: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() }), { description: 'first 100 rejected lines' }),
})


const INGEST_TIMEOUT_MS = 30_000

/** /api/v1/logs: ingest (operator), search, context (viewer). */
export function logsRoutes(deps: { pipeline: LogPipeline; search: LogSearch; clock: Clock }): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.addSchema(Hit)
    // Raw bodies: NDJSON is parsed line by line by the decoder, so one bad line never fails the request.
    app.removeContentTypeParser(['application/json', 'text/plain'])
    app.addContentTypeParser(['application/json', 'application/x-ndjson', 'application/ndjson', 'application/jsonlines', 'text/plain'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body))

    app.post(
      '/logs',
      {
        config: { role: 'operator' },
        schema: {
          tags: ['logs'],
          summary: 'Ingest log records',
          description: 'NDJSON (application/x-ndjson or application/json: one ECS JSON record per line) or text/plain (lines in Flink\'s pattern, stack traces on the following lines). Ids are content hashes: a retried request makes no duplicates. Answers once the records are durably stored.',
          response: { 200: IngestResponse, ...errorResponses },
        },
      },
      async (req) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
        const kind = (req.headers['content-type'] ?? '').startsWith('text/plain') ? 'text' : 'ndjson'
        const signal = AbortSignal.timeout(INGEST_TIMEOUT_MS)
        try {
          return await ingestHttpBody(deps.pipeline, deps.clock, body, kind, signal)
        } catch (err) {
          throw new AppError('ERR_STORE_UNAVAILABLE', 'log store unavailable: records not stored, retry the request', { cause: err })
        }
      },
    )

    app.get(
      '/logs/search',
      {
        schema: {
          tags: ['logs'],
          summary: 'Search log lines, newest first',
          querystring: SearchQuery,
          response: { 200: Type.Object({ hits: Type.Array(Type.Ref('LogHit')), total: Type.Integer(), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
        },
      },
      async (req) => {
        const q = req.query
        return deps.search.search({ ...q, from: parseTimeParam('from', q.from), to: parseTimeParam('to', q.to) })
      },
    )

    app.get(
      '/logs/:id/context',
      {
        schema: {
          tags: ['logs'],
          summary: 'Lines around a hit from the same TaskManager',
          params: Type.Object({ id: Type.String() }),
          querystring: Type.Object({ before: Type.Optional(Type.Integer({ minimum: 0, maximum: 500, default: 20 })), after: Type.Optional(Type.Integer({ minimum: 0, maximum: 500, default: 20 })) }),
          response: { 200: Type.Object({ hit: Type.Ref('LogHit'), before: Type.Array(Type.Ref('LogHit')), after: Type.Array(Type.Ref('LogHit')) }), ...errorResponses },
        },
      },
      async (req) => deps.search.context(req.params.id, req.query.before ?? 20, req.query.after ?? 20),
    )
  }
}
