import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { InstanceView } from '../../ha/ownership.js'
import { errorResponses } from '../schemas.js'

export const InstanceBody = Type.Object(
  {
    id: Type.String({ description: 'ha.instanceId (default <hostname>:<server.port>)' }),
    address: Type.String({ description: 'Where its API is reached' }),
    version: Type.String(),
    startedAt: Type.Integer({ description: 'Epoch ms' }),
    alive: Type.Boolean({ description: 'Heartbeat within ha.leaseTtl' }),
    lastHeartbeat: Type.Integer({ description: 'Epoch ms' }),
    clusters: Type.Array(Type.String(), { description: 'Ids of the clusters whose lease it holds (it polls them)' }),
    channels: Type.Array(Type.String(), { description: 'Ids of the channels whose lease it holds (it drains their outbox)' }),
  },
  { $id: 'Instance' },
)

/** GET /api/v1/instances: the flinkwatch instances sharing this store, and what each holds. */
export function instanceRoutes(deps: { instances(): Promise<InstanceView[]> }): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.addSchema(InstanceBody)
    app.get(
      '/instances',
      {
        schema: {
          tags: ['instances'],
          summary: 'The flinkwatch instances on this store (alive or recently dead) with the clusters and channels each holds',
          response: { 200: Type.Object({ instances: Type.Array(Type.Ref('Instance')) }), ...errorResponses },
        },
      },
      async () => ({ instances: await deps.instances() }),
    )
  }
}
