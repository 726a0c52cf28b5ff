import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { LifecycleService } from '../../lifecycle/lifecycle-service.js'
import { OPERATION_ACTIONS } from '../../model/operation.js'
import { errorResponses, Nullable, TimeParam } from '../schemas.js'
import { parseTimeParam } from '../time-param.js'
import { sendError } from '../errors.js'


const Operation = Type.Object(
  {
    id: Type.String(),
    action: Type.String(),
    cluster: Type.String(),
    jobId: Type.String(),
    jobName: Nullable(Type.String()),
    status: Type.Union([Type.Literal('pending'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]),
    requestedBy: Type.String({ description: 'Token name, or flinkwatch:auto-restart' }),
    createdAt: Type.Integer({ description: 'Epoch ms' }),
    updatedAt: Type.Integer({ description: 'Epoch ms' }),
    message: Nullable(Type.String({ description: 'Progress while running; the outcome in words when done' })),
    result: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'savepointPath, newJobId, restoredFrom, …' })),
  },
  { $id: 'Operation' },
)

const AuditEvent = Type.Object(
  {
    id: Type.String(),
    at: Type.Integer({ description: 'Epoch ms' }),
    who: Type.String(),
    action: Type.String(),
    cluster: Type.String(),
    jobId: Nullable(Type.String()),
    jobName: Nullable(Type.String()),
    outcome: Type.Union(['requested', 'succeeded', 'failed', 'skipped', 'dry-run', 'gave-up'].map((o) => Type.Literal(o))),
    message: Type.String(),
    operationId: Nullable(Type.String()),
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'AuditEvent' },
)


/** POST /api/v1/jobs/:cluster/:jobId/actions, GET /api/v1/operations/:id, GET /api/v1/events. */
export function lifecycleRoutes(service: LifecycleService): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.addSchema(Operation)
    app.addSchema(AuditEvent)
    app.post(
      '/jobs/:cluster/:jobId/actions',
      {
        config: { role: 'operator' },
        schema: {
          tags: ['lifecycle'],
          summary: 'Start a lifecycle action on a job (asynchronous: poll the operation)',
          description:
            'cancel; stop (stop with savepoint, optionally draining); savepoint (trigger and wait); restart (stop or cancel if running, then resubmit from the newest retained checkpoint or savepoint). Needs the operator role.',
          params: Type.Object({ cluster: Type.String(), jobId: Type.String() }),
          body: Type.Object(
            {
              action: Type.Union(OPERATION_ACTIONS.map((a) => Type.Literal(a))),
              drain: Type.Optional(Type.Boolean({ description: 'stop only: emit MAX_WATERMARK and flush event-time timers first', default: false })),
            },
            { additionalProperties: false },
          ),
          response: {
            202: Type.Object({ operationId: Type.String(), operation: Type.Ref('Operation') }),
            ...errorResponses,
            409: Type.Ref('Error', {
              description: 'The job cannot take this action in its state: stop or savepoint of a job that is not RUNNING, a restart without an autoRestart.jobs entry (YARN, standalone), or a cluster without lifecycle actions',
            }),
          },
        },
      },
      async (req, reply) => {
        const op = await service.request({
          cluster: req.params.cluster,
          jobId: req.params.jobId,
          action: req.body.action,
          drain: req.body.drain ?? false,
          requestedBy: req.principal?.name ?? 'anonymous',
        })
        return reply.status(202).send({ operationId: op.id, operation: op })
      },
    )
    app.get(
      '/operations/:id',
      {
        schema: {
          tags: ['lifecycle'],
          summary: 'One lifecycle operation: status, progress message and result',
          params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
          response: { 200: Type.Ref('Operation'), ...errorResponses },
        },
      },
      async (req, reply) => {
        const op = await service.operations.get(req.params.id)
        if (!op) return sendError(reply, 404, `no operation ${req.params.id}`)
        return op
      },
    )
    app.get(
      '/events',
      {
        schema: {
          tags: ['lifecycle'],
          summary: 'Audit trail of lifecycle actions and auto-restart decisions, newest first',
          querystring: Type.Object({
            cluster: Type.Optional(Type.String()),
            job: Type.Optional(Type.String({ description: 'A job id or a job name' })),
            from: Type.Optional(TimeParam('Oldest event, inclusive')),
            to: Type.Optional(TimeParam('Newest event, exclusive')),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          }),
          response: { 200: Type.Object({ events: Type.Array(Type.Ref('AuditEvent')) }), ...errorResponses },
        },
      },
      async (req) => {
        const q = req.query
        const from = parseTimeParam('from', q.from)
        const to = parseTimeParam('to', q.to)
        return {
          events: await service.operations.events({
            ...(q.cluster ? { cluster: q.cluster } : {}),
            ...(q.job ? { job: q.job } : {}),
            ...(from !== undefined ? { from } : {}),
            ...(to !== undefined ? { to } : {}),
            limit: q.limit ?? 100,
          }),
        }
      },
    )
  }
}
