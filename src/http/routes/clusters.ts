import { Type, type Static } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FleetView } from '../../fleet/fleet-view.js'
import { errorResponses } from '../schemas.js'

export const ClusterBody = Type.Object(
  {
    id: Type.String(),
    type: Type.Union([Type.Literal('flink'), Type.Literal('yarn'), Type.Literal('kubernetes')]),
    status: Type.Union([Type.Literal('up'), Type.Literal('down')], { description: 'down only after downAfter consecutive failed probes (also before the first probe answered)' }),
    version: Type.Union([Type.String(), Type.Null()], { description: 'Flink version reported by the JobManager' }),
    taskManagers: Type.Integer(),
    slots: Type.Object({ total: Type.Integer(), available: Type.Integer() }),
    jobs: Type.Object({ total: Type.Integer(), running: Type.Integer() }),
    lastSeen: Type.Union([Type.Integer(), Type.Null()], { description: 'Epoch ms of the last successful probe' }),
    consecutiveFailures: Type.Integer(),
    lastError: Type.Union([Type.String(), Type.Null()]),
    jobManagerUrl: Type.Union([Type.String(), Type.Null()]),
    webUiUrl: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Cluster' },
)
export type ClusterBody = Static<typeof ClusterBody>

/** GET /api/v1/clusters and /api/v1/clusters/:id. */
export function clusterRoutes(view: FleetView): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.addSchema(ClusterBody)
    app.get(
      '/clusters',
      {
        schema: {
          tags: ['clusters'],
          summary: 'Every configured cluster with its status, TaskManagers, slots and job counts',
          response: { 200: Type.Object({ clusters: Type.Array(Type.Ref('Cluster')) }), ...errorResponses },
        },
      },
      async () => ({ clusters: view.clusters() }),
    )
    app.get(
      '/clusters/:cluster',
      {
        schema: {
          tags: ['clusters'],
          summary: 'One cluster',
          params: Type.Object({ cluster: Type.String() }),
          response: { 200: Type.Ref('Cluster'), ...errorResponses },
        },
      },
      async (req, reply) => {
        const c = view.cluster(req.params.cluster)
        if (!c) return reply.status(404).send({ statusCode: 404, error: 'Not Found', message: `no cluster ${req.params.cluster}` })
        return c
      },
    )
  }
}
