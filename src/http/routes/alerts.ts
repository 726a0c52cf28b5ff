import { Type, type Static } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { NotFoundError } from '../../core/errors.js'
import type { AlertsService } from '../../../alerting/alerts-service.js'
import type { AckService } from '../../../alerting/oncall/acks.js'
import { OPTIONAL_BODY, errorResponses, Nullable } from '../schemas.js'
import { CURSOR_PATTERN } from '../../storage/store.js'

const Figure = Nullable(Type.Union([Type.Number(), Type.String()]))

const Cause = Type.Object(
  {
    class: Type.String({ description: 'heap-oom, direct-oom, metaspace-oom, container-memory-kill, taskmanager-lost, checkpoint-failure, state-storage, source-sink-unavailable, deserialization, sql-planning, classloading, user-code, cluster-lost, cancelled, unknown' }),
    owner: Type.Union([Type.Literal('platform'), Type.Literal('job')]),
    hint: Type.String(),
    title: Type.String(),
    rule: Nullable(Type.String({ description: 'the cause rule that decided' })),
    runbook: Nullable(Type.String()),
    evidence: Type.Object({
      exception: Nullable(Type.String({ description: 'root exception header' })),
      matched: Nullable(Type.String()),
      source: Nullable(Type.String({ description: 'exception | platform | event | log | label' })),
      frames: Type.Array(Type.String(), { description: 'first user-code frames, framework frames folded' }),
      logs: Type.Array(Type.Object({ at: Type.Integer(), level: Type.String(), taskManager: Nullable(Type.String()), text: Type.String() })),
      countLast7d: Type.Integer({ description: 'failures of this job with this cause in the last 7 days' }),
      links: Type.Object({ job: Nullable(Type.String()), logs: Nullable(Type.String()) }),
    }),
  },
  { description: 'Why it failed (job-failed and restart-loop incidents)' },
)

export const AlertSchema = Type.Object(
  {
    id: Type.String(),
    rule: Type.String(),
    severity: Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')]),
    state: Type.Union([Type.Literal('pending'), Type.Literal('firing'), Type.Literal('resolved')]),
    cluster: Type.String(),
    jobId: Nullable(Type.String()),
    jobName: Nullable(Type.String()),
    summary: Type.String(),
    startsAt: Type.Integer({ description: 'Epoch ms when it fired' }),
    endsAt: Nullable(Type.Integer()),
    detectedAt: Type.Optional(Type.Integer({ description: 'Epoch ms when the condition was first seen' })),
    labels: Type.Record(Type.String(), Type.String()),
    figures: Type.Record(Type.String(), Figure),
    inhibitedBy: Type.Optional(Nullable(Type.String({ description: 'The cluster-down incident holding its notification back' }))),
    silencedBy: Type.Optional(Nullable(Type.String())),
    notified: Type.Optional(Type.Boolean()),
    lastNotifiedAt: Type.Optional(Nullable(Type.Integer())),
    reminders: Type.Optional(Type.Integer()),
    notifiedAt: Type.Optional(Nullable(Type.Integer({ description: 'Epoch ms of the first firing notification; escalation levels count from it' }))),
    remindedAt: Type.Optional(Type.Record(Type.String(), Type.Integer(), { description: 'Per route index ("*" without routes): epoch ms of its last message' })),
    acknowledgedBy: Type.Optional(Nullable(Type.String({ description: 'Who acknowledged it (API principal, or "<name> (acknowledge link)")' }))),
    acknowledgedAt: Type.Optional(Nullable(Type.Integer())),
    ackComment: Type.Optional(Nullable(Type.String())),
    maintenance: Type.Optional(Nullable(Type.String({ description: 'The maintenance window it fired in: recorded, notified only once the window closed' }))),
    escalations: Type.Optional(
      Type.Array(
        Type.Object({
          route: Type.Integer(),
          level: Type.Integer({ description: 'index into the route\'s escalate list' }),
          at: Type.Integer(),
          channels: Type.Array(Type.String()),
          from: Type.Array(Type.String({ description: 'channels paged before this level' })),
        }),
      ),
    ),
    cause: Type.Optional(Cause),
  },
  { $id: 'Alert' },
)

const Notification = Type.Object({
  channel: Type.String(),
  kind: Type.String(),
  state: Type.String({ description: 'pending | grouped | sent | failed' }),
  messageId: Nullable(Type.String()),
  createdAt: Type.Integer(),
  sentAt: Nullable(Type.Integer()),
})

const ChannelHealth = Type.Record(Type.String(), Type.Object({ healthy: Type.Boolean(), detail: Type.String(), queued: Type.Integer() }))

const ListQuery = Type.Object({
  state: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('resolved'), Type.Literal('all')], { default: 'firing' })),
  cluster: Type.Optional(Type.String()),
  rule: Type.Optional(Type.String()),
  job: Type.Optional(Type.String({ description: 'job name' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  cursor: Type.Optional(Type.String({ pattern: CURSOR_PATTERN, description: 'nextCursor of the previous page' })),
})

const AckBody = Type.Object({ comment: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false })

/**
 * GET /alerts (incidents, newest first), GET /alerts/:id (with its notifications), and with `acks`
 * POST /alerts/:id/ack (acknowledge, operator) and DELETE /alerts/:id/ack (take it back, operator).
 */
export function alertRoutes(alerts: AlertsService, acks?: AckService): FastifyPluginAsync {
  return async (app) => {
    const api = app.withTypeProvider<TypeBoxTypeProvider>()
    api.addSchema(AlertSchema)
    api.get(
      '/alerts',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Incidents by state; channel health says whether notifications are getting out',
          querystring: ListQuery,
          response: { 200: Type.Object({ alerts: Type.Array(Type.Ref('Alert')), total: Type.Integer(), nextCursor: Nullable(Type.String()), channels: ChannelHealth }), ...errorResponses },
        },
      },
      async (req) => {
        const q = req.query as Static<typeof ListQuery>
        return alerts.list({
          ...(q.state !== 'all' ? { state: q.state } : {}),
          ...(q.cluster ? { cluster: q.cluster } : {}),
          ...(q.rule ? { rule: q.rule } : {}),
          ...(q.job ? { job: q.job } : {}),
          limit: q.limit,
          ...(q.cursor ? { cursor: q.cursor } : {}),
        })
      },
    )
    api.get(
      '/alerts/:id',
      {
        schema: {
          tags: ['alerts'],
          summary: 'One incident and the notifications sent for it',
          params: Type.Object({ id: Type.String() }),
          response: { 200: Type.Object({ alert: Type.Ref('Alert'), notifications: Type.Array(Notification) }), ...errorResponses },
        },
      },
      async (req) => {
        const { id } = req.params as { id: string }
        const one = await alerts.get(id)
        if (!one) throw new NotFoundError(`no alert ${id}`)
        return one
      },
    )
    if (!acks) return
    const ackSchema = (summary: string, body: boolean) => ({
      tags: ['alerts'],
      summary,
      params: Type.Object({ id: Type.String() }),
      ...(body ? { body: AckBody, [OPTIONAL_BODY]: true } : {}),
      response: { 200: Type.Object({ alert: Type.Ref('Alert') }), ...errorResponses, 409: Type.Ref('Error', { description: 'the incident is not firing' }) },
    })
    api.post('/alerts/:id/ack', {
      config: { role: 'operator' },
      // The body is optional: a bare POST acknowledges without a comment. A JSON `null` is a body, and not an object (400).
      preValidation: async (req) => {
        if (req.body === undefined) req.body = {}
      },
      schema: ackSchema('Acknowledge a firing incident: no more reminders or escalation levels', true),
    }, async (req) => {
      const { id } = req.params as { id: string }
      const comment = (req.body as Static<typeof AckBody> | undefined)?.comment ?? null
      return { alert: await acks.acknowledge(id, req.principal?.name ?? 'anonymous', comment) }
    })
    api.delete('/alerts/:id/ack', { config: { role: 'operator' }, schema: ackSchema('Take an acknowledgement back: reminders and escalation resume', false) }, async (req) => {
      const { id } = req.params as { id: string }
      return { alert: await acks.unacknowledge(id, req.principal?.name ?? 'anonymous') }
    })
  }
}
