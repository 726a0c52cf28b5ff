/** GET/POST/DELETE /maintenance: maintenance windows (scheduled silences); changing them needs the operator role. */
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Clock } from '../../core/clock.js'
import { DURATION_PATTERN } from '../../core/duration.js'
import { NotFoundError } from '../../core/errors.js'
import type { MaintenanceWindow } from '../../model/maintenance.js'
import type { MaintenanceWindows } from '../../../alerting/oncall/maintenance.js'
import { nextOpening, openingAt } from '../../../alerting/oncall/schedule.js'
import { errorResponses, Nullable } from '../schemas.js'

const Match = Type.Object(
  {
    cluster: Type.Optional(Type.String({ description: 'cluster id, regular expression, anchored' })),
    job: Type.Optional(Type.String({ description: 'job name, regular expression, anchored' })),
    rule: Type.Optional(Type.String()),
    severity: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)
const Opening = Nullable(Type.Object({ start: Type.Integer(), end: Type.Integer() }))

const WindowSchema = Type.Object(
  {
    id: Type.String(),
    source: Type.Union([Type.Literal('config'), Type.Literal('api')]),
    comment: Type.String(),
    match: Match,
    from: Nullable(Type.Integer()),
    to: Nullable(Type.Integer()),
    cron: Nullable(Type.String()),
    duration: Nullable(Type.String()),
    timeZone: Type.String(),
    pauseAutoRestart: Type.Boolean(),
    createdBy: Type.String(),
    createdAt: Type.Integer(),
    active: Type.Boolean({ description: 'open now' }),
    current: Type.Optional(Opening),
    next: Type.Optional(Opening),
  },
  { $id: 'MaintenanceWindow' },
)

const CreateBody = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$' })),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
    match: Match,
    from: Type.Optional(Type.String({ format: 'date-time', description: 'one-off: ISO 8601 date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'one-off: ISO 8601 date-time' })),
    cron: Type.Optional(Type.String({ description: 'recurring: cron expression in timeZone' })),
    duration: Type.Optional(Type.String({ pattern: DURATION_PATTERN, description: 'recurring: how long each opening lasts, e.g. 2h' })),
    timeZone: Type.Optional(Type.String({ description: 'IANA time zone of cron (default UTC)' })),
    pauseAutoRestart: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

export function maintenanceRoutes(d: { windows: MaintenanceWindows; clock: Clock }): FastifyPluginAsync {
  return async (app) => {
    const api = app.withTypeProvider<TypeBoxTypeProvider>()
    api.addSchema(WindowSchema)
    const view = (w: MaintenanceWindow) => {
      const now = d.clock.now()
      const current = openingAt(w, now)
      return { ...w, active: current !== null, current, next: nextOpening(w, now) }
    }
    api.get(
      '/maintenance',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Maintenance windows from config and the API, with their current and next opening',
          querystring: Type.Object({ active: Type.Optional(Type.Boolean({ default: false, description: 'only windows open now' })) }),
          response: { 200: Type.Object({ windows: Type.Array(Type.Ref('MaintenanceWindow')) }), ...errorResponses },
        },
      },
      async (req) => ({ windows: d.windows.list().map(view).filter((w) => !(req.query as { active: boolean }).active || w.active) }),
    )
    api.get(
      '/maintenance/:id',
      { schema: { tags: ['alerts'], params: Type.Object({ id: Type.String() }), response: { 200: Type.Ref('MaintenanceWindow'), ...errorResponses } } },
      async (req) => {
        const w = d.windows.get((req.params as { id: string }).id)
        if (!w) throw new NotFoundError(`no maintenance window ${(req.params as { id: string }).id}`)
        return view(w)
      },
    )
    api.post(
      '/maintenance',
      {
        config: { role: 'operator' },
        schema: { tags: ['alerts'], summary: 'Create a one-off (from/to) or recurring (cron/duration/timeZone) window', body: CreateBody, response: { 201: Type.Ref('MaintenanceWindow'), ...errorResponses } },
      },
      async (req, reply) => {
        const b = req.body as Static<typeof CreateBody>
        const w = await d.windows.add(b, req.principal?.name ?? 'anonymous', d.clock.now())
        return reply.status(201).send(view(w))
      },
    )
    api.delete(
      '/maintenance/:id',
      { config: { role: 'operator' }, schema: { tags: ['alerts'], params: Type.Object({ id: Type.String() }), response: { 200: Type.Ref('MaintenanceWindow'), ...errorResponses } } },
      async (req) => {
        const w = await d.windows.remove((req.params as { id: string }).id)
        if (!w) throw new NotFoundError(`no maintenance window ${(req.params as { id: string }).id}`)
        return view(w)
      },
    )
  }
}
