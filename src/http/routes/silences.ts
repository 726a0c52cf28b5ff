import { Type, type Static } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Clock } from '../../core/clock.js'
import { BadRequestError, NotFoundError } from '../../core/errors.js'
import { DURATION_PATTERN, parseDuration } from '../../core/duration.js'
import type { Silences } from '../../../alerting/engine/silences.js'
import { isActive } from '../../../alerting/engine/silences.js'
import type { Silence } from '../../model/alert.js'
import { errorResponses } from '../schemas.js'

const Matchers = Type.Object(
  {
    cluster: Type.Optional(Type.String({ description: 'regular expression, anchored' })),
    job: Type.Optional(Type.String({ description: 'job name, regular expression, anchored' })),
    rule: Type.Optional(Type.String()),
    severity: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)

const SilenceSchema = Type.Object(
  {
    id: Type.String(),
    matchers: Matchers,
    startsAt: Type.Integer(),
    endsAt: Type.Integer(),
    createdBy: Type.String(),
    comment: Type.String(),
    expiredAt: Type.Union([Type.Integer(), Type.Null()]),
    active: Type.Boolean(),
  },
  { $id: 'Silence' },
)

const CreateBody = Type.Object(
  {
    matchers: Matchers,
    comment: Type.String({ default: '' }),
    startsAt: Type.Optional(Type.String({ description: 'ISO 8601; default now' })),
    endsAt: Type.Optional(Type.String({ description: 'ISO 8601; give endsAt or duration' })),
    duration: Type.Optional(Type.String({ pattern: DURATION_PATTERN, description: 'e.g. 2h' })),
  },
  { additionalProperties: false },
)

function time(name: string, v: string): number {
  const t = Date.parse(v)
  if (!Number.isFinite(t)) throw new BadRequestError(`${name}: not an ISO 8601 time: ${v}`)
  return t
}

/** POST/GET/DELETE /silences; changing them needs the operator role. */
export function silenceRoutes(d: { silences: Silences; clock: Clock }): FastifyPluginAsync {
  return async (app) => {
    const api = app.withTypeProvider<TypeBoxTypeProvider>()
    api.addSchema(SilenceSchema)
    const view = (s: Silence) => ({ ...s, active: isActive(s, d.clock.now()) })
    api.get(
      '/silences',
      {
        schema: {
          tags: ['alerts'],
          querystring: Type.Object({ active: Type.Boolean({ default: false, description: 'only silences in effect now' }) }),
          response: { 200: Type.Object({ silences: Type.Array(Type.Ref('Silence')) }), ...errorResponses },
        },
      },
      async (req) => ({ silences: d.silences.list(d.clock.now(), (req.query as { active: boolean }).active).map(view) }),
    )
    api.post(
      '/silences',
      {
        config: { role: 'operator' },
        schema: { tags: ['alerts'], body: CreateBody, response: { 201: Type.Ref('Silence'), ...errorResponses } },
      },
      async (req, reply) => {
        const b = req.body as Static<typeof CreateBody>
        const startsAt = b.startsAt ? time('startsAt', b.startsAt) : d.clock.now()
        if (!b.endsAt && !b.duration) throw new BadRequestError('give endsAt or duration')
        const endsAt = b.endsAt ? time('endsAt', b.endsAt) : startsAt + parseDuration(b.duration!)
        const s = await d.silences.add({ matchers: b.matchers, startsAt, endsAt, comment: b.comment, createdBy: req.principal?.name ?? 'anonymous' })
        return reply.status(201).send(view(s))
      },
    )
    api.delete(
      '/silences/:id',
      {
        config: { role: 'operator' },
        schema: { tags: ['alerts'], params: Type.Object({ id: Type.String() }), response: { 200: Type.Ref('Silence'), ...errorResponses } },
      },
      async (req) => {
        const s = await d.silences.expire((req.params as { id: string }).id, d.clock.now())
        if (!s) throw new NotFoundError(`no silence ${(req.params as { id: string }).id}`)
        return view(s)
      },
    )
  }
}
