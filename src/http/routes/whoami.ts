import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { errorResponses } from '../schemas.js'

const Whoami = Type.Object(
  {
    name: Type.String({ description: "The token's name; anonymous without tokens" }),
    role: Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')]),
    authEnabled: Type.Boolean({ description: 'false when no auth.tokens are configured (everyone is an anonymous admin, loopback only)' }),
  },
  { $id: 'Whoami' },
)

/** GET /api/v1/whoami: who the presented token is, so the console shows it and hides what the role may not do. */
export function whoamiRoutes(authEnabled: boolean): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.addSchema(Whoami)
    app.get(
      '/whoami',
      { schema: { tags: ['auth'], summary: 'The signed-in token: name, role, and whether tokens are configured', response: { 200: Type.Ref('Whoami'), ...errorResponses } } },
      async (req) => ({ name: req.principal?.name ?? 'anonymous', role: req.principal?.role ?? 'admin', authEnabled }),
    )
  }
}
