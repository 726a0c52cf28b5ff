import { Type, type Static } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Clock } from '../../core/clock.js'
import { BadRequestError, ConflictError, NotFoundError } from '../../core/errors.js'
import { parseDuration } from '../../core/duration.js'
import { parseDateTime } from '../time-param.js'
import type { Silences } from '../../../alerting/engine/silences.js'
import { isActive } from '../../../alerting/engine/silences.js'
import type { Silence } from '../../model/alert.js'
import { errorResponses } from '../schemas.js'

const Matcher = (description: string) => Type.String({ minLength: 1, maxLength: 500, format: 'regex', description: `${description}; regular expression, anchored` })
const Matchers = Type.Object(
  {
    cluster: Type.Optional(Matcher('cluster id')),
    job: Type.Optional(Matcher('job name')),
    rule: Type.Optional(Matcher('rule name')),
    severity: Type.Optional(Matcher('critical, warning or info')),
  },
  { additionalProperties: false, minProperties: 1, description: 'at least one matcher' },
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

const common = {
  matchers: Matchers,
  comment: Type.Optional(Type.String({ maxLength: 2000, description: 'default empty' })),
  startsAt: Type.Optional(Type.String({ format: 'date-time', description: 'ISO 8601; default now' })),
}
const EndsAt = Type.String({ format: 'date-time', description: 'ISO 8601, after startsAt (409 otherwise)' })
const Duration = Type.String({ pattern: '^0*[1-9][0-9]{0,5}(ms|s|m|h|d)$', description: 'e.g. 2h (more than zero)' })
// endsAt or duration (both: endsAt wins). One branch per way of saying when it ends, so the schema says what the handler needs.
const CreateBody = Type.Union(
  [
    Type.Object({ ...common, endsAt: EndsAt, duration: Type.Optional(Duration) }, { additionalProperties: false, title: 'with endsAt' }),
    Type.Object({ ...common, duration: Duration }, { additionalProperties: false, title: 'with duration' }),
  ],
  { description: 'Give endsAt or duration' },
)
type CreateBody = { matchers: Static<typeof Matchers>; comment?: string; startsAt?: string; endsAt?: string; duration?: string }

function time(name: string, v: string): number {
  const t = parseDateTime(v)
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
          querystring: Type.Object({ active: Type.Optional(Type.Boolean({ default: false, description: 'only silences in effect now' })) }),
          response: { 200: Type.Object({ silences: Type.Array(Type.Ref('Silence')) }), ...errorResponses },
        },
      },
      async (req) => ({ silences: d.silences.list(d.clock.now(), (req.query as { active?: boolean }).active ?? false).map(view) }),
    )
    api.post(
      '/silences',
      {
        config: { role: 'operator' },
        schema: { tags: ['alerts'], summary: 'Create a silence (operator)', body: CreateBody, response: { 201: Type.Ref('Silence'), 409: Type.Ref('Error', { description: 'endsAt is not after startsAt' }), ...errorResponses } },
      },
      async (req, reply) => {
        const b = req.body as CreateBody
        const startsAt = b.startsAt ? time('startsAt', b.startsAt) : d.clock.now()
        if (!b.endsAt && !b.duration) throw new BadRequestError('give endsAt or duration')
        const endsAt = b.endsAt ? time('endsAt', b.endsAt) : startsAt + parseDuration(b.duration!)
        // The schema cannot compare two times: an empty range is a conflict with the clock, not malformed input.
        if (endsAt <= startsAt) throw new ConflictError(`endsAt (${new Date(endsAt).toISOString()}) must be after startsAt (${new Date(startsAt).toISOString()})`)
        const s = await d.silences.add({ matchers: b.matchers, startsAt, endsAt, comment: b.comment ?? '', createdBy: req.principal?.name ?? 'anonymous' })
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
