import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import swagger from '@fastify/swagger'
import websocket from '@fastify/websocket'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Registry } from 'prom-client'
import type { Logger } from '../core/logger.js'
import type { Role } from '../config/sections/server.js'
import { TokenAuth, bearerToken, type Principal } from './auth.js'
import { errorHandler, sendError } from './errors.js'
import { ErrorBody } from './schemas.js'
import { healthRoutes, type ReadinessProbe } from './routes/health.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Minimum role for an /api route; viewer when unset. */
    role?: Role
    /** No token needed: the route authorises the request itself (signed acknowledge links). */
    public?: boolean
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

export type Api = FastifyInstance

/** A feature's routes, mounted under /api/v1. */
export type ApiRoutes = FastifyPluginAsync

export interface HttpServerDeps {
  logger: Logger
  registry: Registry
  auth: TokenAuth
  readiness: ReadinessProbe
  routes: readonly ApiRoutes[]
  /** Largest accepted request body (log ingestion posts NDJSON batches). */
  bodyLimit?: number
  version: string
}

export async function buildHttpServer(deps: HttpServerDeps): Promise<Api> {
  const app = Fastify({
    // Request lines would drown the service's own logs; errors still surface through the error handler.
    loggerInstance: deps.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 16 * 1024 * 1024,
    requestTimeout: 60_000,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, `no route ${req.method} ${req.url.split('?')[0]}`))
  app.addSchema(ErrorBody)
  app.decorateRequest('principal', null)

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'flinkwatch', version: deps.version, description: 'Monitoring, alerting, log search and auto-recovery for Apache Flink fleets' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: deps.auth.enabled ? [{ bearer: [] }] : [],
    },
  })
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } })

  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/')) return
    if (req.routeOptions.config.public === true) return
    const needed = req.routeOptions.config.role ?? 'viewer'
    // Browsers cannot set headers on WebSocket upgrades; they may pass ?access_token=.
    const query = req.query as Record<string, unknown> | undefined
    const token = bearerToken(req.headers.authorization) ?? (typeof query?.['access_token'] === 'string' ? query['access_token'] : undefined)
    const outcome = deps.auth.check(token, needed)
    if (!outcome.ok) {
      if (outcome.status === 401) void reply.header('www-authenticate', 'Bearer')
      return sendError(reply, outcome.status, outcome.message)
    }
    req.principal = outcome.principal
  })

  await app.register(healthRoutes({ registry: deps.registry, readiness: deps.readiness }))
  app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger())
  await app.register(
    async (api) => {
      for (const r of deps.routes) await api.register(r)
    },
    { prefix: '/api/v1' },
  )
  return app as unknown as Api
}
