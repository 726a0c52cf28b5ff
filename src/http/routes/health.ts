import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Registry } from 'prom-client'
import { renderExposition } from '../../metrics/exposition.js'

export interface ReadinessReport {
  ready: boolean
  components: Record<string, { ready: boolean; detail: string }>
}

export type ReadinessProbe = () => Promise<ReadinessReport>

const Readiness = Type.Object({
  ready: Type.Boolean(),
  components: Type.Record(Type.String(), Type.Object({ ready: Type.Boolean(), detail: Type.String() })),
})

export function healthRoutes(deps: { registry: Registry; readiness: ReadinessProbe }): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    // Open (no token), as probes and Prometheus need: `security: []` says so in the OpenAPI document.
    app.get('/healthz', { schema: { tags: ['health'], summary: 'The process is alive', security: [], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({
      status: 'ok' as const,
    }))
    app.get(
      '/readyz',
      { schema: { tags: ['health'], summary: 'The store and every enabled component are ready', security: [], response: { 200: Readiness, 503: Readiness } } },
      async (_req, reply) => {
        const report = await deps.readiness()
        return reply.status(report.ready ? 200 : 503).send(report)
      },
    )
    // Untyped instance: the body is a Buffer, which the TypeBox provider would hold against the string schema.
    fastify.get(
      '/metrics',
      {
        schema: {
          tags: ['health'],
          summary: 'Prometheus metrics',
          security: [],
          response: { 200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: Type.String() } } } },
        },
      },
      async (_req, reply) => {
      // One Buffer written in place: the job series of a big fleet are 14–20 MB of text (see exposition.ts).
      const body = await renderExposition(deps.registry)
      return reply.type(deps.registry.contentType).send(body)
      },
    )
  }
}
