import Fastify, { type FastifySchemaValidationError, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import swagger from '@fastify/swagger'
import AjvCompiler from '@fastify/ajv-compiler'
import { Type } from '@sinclair/typebox'
import websocket from '@fastify/websocket'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Registry } from 'prom-client'
import type { Logger } from '../core/logger.js'
import type { Role } from '../config/sections/server.js'
import { TokenAuth, bearerToken, type Principal } from './auth.js'
import { errorHandler, sendError } from './errors.js'
import { ErrorBody, TIME_PARAM_TITLE, optionalBodies } from './schemas.js'
import { healthRoutes, type ReadinessProbe } from './routes/health.js'
import { consoleRoutes } from './console.js'
import { RouteMethods } from './route-methods.js'

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
  /** The built console (index.html and assets/); without it the console is not served. */
  consoleDir?: string
}

/** Longer request targets answer 414 (no query the API takes comes near it). */
export const MAX_URL_LENGTH = 8192

export async function buildHttpServer(deps: HttpServerDeps): Promise<Api> {
  const app = Fastify({
    // Request lines would drown the service's own logs; errors still surface through the error handler.
    loggerInstance: deps.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 16 * 1024 * 1024,
    requestTimeout: 60_000,
    // Path parameters are bounded by their schemas (400); only a request target over MAX_URL_LENGTH is a 414.
    maxParamLength: MAX_URL_LENGTH,
    // verbose: errors carry the schema and value, so the formatter below can name them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false, verbose: true } },
    schemaErrorFormatter: formatSchemaErrors,
    // Bad URLs (400) and too long path parameters (414) answer in the API's error shape, not Fastify's.
    frameworkErrors: (err, req, reply) => errorHandler(err, req, reply),
    // Query strings and path parameters are text, so they are coerced to the declared types; a JSON body is
    // typed already and is validated as sent ({"comment": null} is a 400, not an empty comment).
    schemaController: { compilersFactory: { buildValidator: exactBodies } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setErrorHandler(errorHandler)
  // Which methods each path answers, for 405 + Allow on a known path asked with another method.
  const methods = new RouteMethods()
  app.addHook('onRoute', (r) => methods.add(r.method, r.url))
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, `no route ${req.method} ${req.url.split('?')[0]}`))
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.length > MAX_URL_LENGTH) return sendError(reply, 414, `request target longer than ${MAX_URL_LENGTH} characters`)
    if (!req.is404) return
    // Here, before any body is parsed: a QUERY or PROPFIND without a route must not fail on its content type.
    const path = req.url.split('?')[0] ?? ''
    const allowed = methods.allowed(path)
    if (allowed.length > 0 && !allowed.includes(req.method)) {
      return sendError(reply.header('allow', allowed.join(', ')), 405, `${req.method} is not allowed on ${path} (allowed: ${allowed.join(', ')})`)
    }
    return sendError(reply, 404, `no route ${req.method} ${path}`)
  })
  app.addSchema(ErrorBody)
  app.decorateRequest('principal', null)

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'flinkwatch', version: deps.version, description: 'Monitoring, alerting, log search and auto-recovery for Apache Flink fleets' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: deps.auth.enabled ? [{ bearer: [] }] : [],
    },
    transformObject: (d) => ('openapiObject' in d ? optionalBodies(d.openapiObject) : d.swaggerObject),
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
  app.get(
    '/docs/json',
    {
      schema: {
        tags: ['health'],
        summary: 'This OpenAPI document',
        security: [],
        response: { 200: Type.Object({}, { additionalProperties: true, description: 'OpenAPI 3.0 document' }) },
      },
    },
    async () => app.swagger(),
  )
  if (deps.consoleDir) await app.register(consoleRoutes(deps.consoleDir))
  await app.register(
    async (api) => {
      for (const r of deps.routes) await api.register(r)
    },
    { prefix: '/api/v1' },
  )
  return app as unknown as Api
}

/** Fastify's wording, except a time parameter gets one sentence instead of three anyOf branch failures. */
function formatSchemaErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const time = errors.find((e) => e.keyword === 'anyOf' && (e as { parentSchema?: { title?: string } }).parentSchema?.title === TIME_PARAM_TITLE)
  if (time) {
    const name = time.instancePath.split('/').pop() || dataVar
    return new Error(`${name} must be epoch milliseconds or an ISO-8601 time, got ${JSON.stringify((time as { data?: unknown }).data)}`)
  }
  const regex = errors.find((e) => e.keyword === 'format' && (e.params as { format?: string }).format === 'regex')
  if (regex) return new Error(`${regex.instancePath.slice(1).replaceAll('/', '.')}: not a valid regular expression: ${String((regex as { data?: unknown }).data)}`)
  // A body with one branch per way of saying something (silences: endsAt or duration) names the choice.
  const missing = errors.filter((e) => e.keyword === 'required').map((e) => String((e.params as { missingProperty?: string }).missingProperty))
  if (errors.some((e) => e.keyword === 'anyOf') && missing.length > 1 && missing.length === errors.length - 1) return new Error(`${dataVar}: give ${missing.join(' or ')}`)
  return new Error(errors.map((e) => `${dataVar}${e.instancePath} ${e.message ?? 'is invalid'}`).join(', '))
}

const ajvCompilers = AjvCompiler()

const exactBodies: AjvCompiler.BuildCompilerFromPool = (externalSchemas, options) => {
  const o = (options ?? {}) as { customOptions?: Record<string, unknown> }
  const coercing = ajvCompilers(externalSchemas, o)
  const exact = ajvCompilers(externalSchemas, { ...o, customOptions: { ...o.customOptions, coerceTypes: false } })
  return (route) => (route.httpPart === 'body' ? exact : coercing)(route)
}
