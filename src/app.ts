import { Counter, type Registry } from 'prom-client'
import type { FlinkwatchConfig } from './config/schema.js'
import { systemClock, type Clock } from './core/clock.js'
import type { Component } from './core/component.js'
import { AppError, errorMessage } from './core/errors.js'
import { EventBus } from './core/event-bus.js'
import { createLogger, type Logger } from './core/logger.js'
import { packageVersion } from './core/version.js'
import { createRegistry } from './metrics/registry.js'
import { TokenAuth, isLoopback } from './http/auth.js'
import { buildHttpServer, type Api, type ApiRoutes } from './http/server.js'
import type { ReadinessReport } from './http/routes/health.js'
import { streamRoutes } from './http/routes/stream.js'
import { alertRoutes } from './http/routes/alerts.js'
import { silenceRoutes } from './http/routes/silences.js'
import { lifecycleRoutes } from './http/routes/lifecycle.js'
import { recommendationRoutes } from './http/routes/recommendations.js'
import { logsRoutes } from './http/routes/logs.js'
import { logPatternRoutes } from './http/routes/log-patterns.js'
import { clusterRoutes } from './http/routes/clusters.js'
import { jobRoutes } from './http/routes/jobs.js'
import { createFleetModule } from './fleet/module.js'
import { createStore } from './storage/create-store.js'
import { createLogsModule } from './logs/module.js'
import { createAlertingModule } from '../alerting/module.js'
import { createLifecycleModule } from './lifecycle/module.js'
import { createRecommendationsModule } from './recommend/module.js'
import { createCausesModule } from './causes/module.js'
import { LogPatterns } from './logs/patterns/patterns-service.js'
import type { CollectionSpec, Store } from './storage/store.js'
import { StreamHub, type StreamTopic } from './stream/stream-hub.js'

/** What every feature module is built from. */
export interface AppContext {
  config: FlinkwatchConfig
  logger: Logger
  registry: Registry
  clock: Clock
  bus: EventBus
  store: Store
}

/** What a feature contributes; app.ts is the only place that knows them all. */
export interface FeatureModule {
  name: string
  collections?: readonly CollectionSpec[]
  components?: readonly Component[]
  routes?: readonly ApiRoutes[]
  topics?: readonly StreamTopic[]
}

export interface AppOptions {
  logger?: Logger
  clock?: Clock
  registry?: Registry
  /** Tests inject a store; otherwise config.storage decides. */
  store?: Store
}

export interface App {
  readonly http: Api
  readonly context: AppContext
  /** Initialises the store and starts every component; does not listen. */
  start(): Promise<void>
  /** Listens on server.host:server.port; returns the bound address. */
  listen(): Promise<string>
  /** Stops accepting work, flushes, closes the store. Idempotent. */
  stop(): Promise<void>
}

export const VERSION = packageVersion()

export async function buildApp(config: FlinkwatchConfig, opts: AppOptions = {}): Promise<App> {
  const logger = opts.logger ?? createLogger()
  const registry = opts.registry ?? createRegistry()
  const clock = opts.clock ?? systemClock
  const bus = new EventBus((err, event) => logger.error({ err, event: event.type }, 'event listener failed'))
  const auth = new TokenAuth(config.auth)
  if (!auth.enabled && !isLoopback(config.server.host)) {
    throw new AppError(
      'ERR_CONFIG',
      `server.host is ${config.server.host} but auth.tokens is empty: flinkwatch refuses to serve its API without tokens on a non-loopback address; configure auth.tokens or bind to 127.0.0.1`,
      { retriable: false },
    )
  }
  const store = opts.store ?? (await createStore(config.storage))
  const context: AppContext = { config, logger, registry, clock, bus, store }

  const hub = new StreamHub()
  const streamDropped = new Counter({ name: 'flinkwatch_stream_messages_dropped_total', help: 'WebSocket messages not sent to slow clients', registers: [registry] })

  // Features, in start order (stop runs in reverse): the store-backed pipelines first, so collectors and rules
  // never publish into something that is not yet running, and stop before what they feed is flushed.
  const fleet = createFleetModule(context)
  const logs = createLogsModule(context)
  const causes = createCausesModule(context, { job: (c, id) => fleet.view.job(c, id) })
  const alerting = createAlertingModule(context, { enrich: causes.enrich })
  const lifecycle = createLifecycleModule(context, { fleet: fleet.view, incidents: alerting.incidents })
  const recommendations = createRecommendationsModule(context, { fleet: fleet.view })
  // Domain modules expose their services; the HTTP routes over them are built here.
  const modules: FeatureModule[] = [
    { ...logs, routes: [logsRoutes({ pipeline: logs.pipeline, search: logs.search, clock }), logPatternRoutes({ patterns: new LogPatterns(store), clock })] },
    causes,
    { ...alerting, routes: [alertRoutes(alerting.alerts), silenceRoutes({ silences: alerting.silences, clock })] },
    { ...lifecycle, routes: [lifecycleRoutes(lifecycle.service)] },
    { ...recommendations, routes: [recommendationRoutes(recommendations.service, fleet.view)] },
    { ...fleet, routes: [clusterRoutes(fleet.view), jobRoutes(fleet.view, clock)] },
  ]

  for (const m of modules) for (const t of m.topics ?? []) hub.register(t)
  const components = modules.flatMap((m) => m.components ?? [])
  const collections = modules.flatMap((m) => m.collections ?? [])

  const readiness = async (): Promise<ReadinessReport> => {
    const out: ReadinessReport['components'] = {}
    out['store'] = await withTimeout(store.health(), 3000, { ok: false, detail: 'store health check timed out' }).then((h) => ({ ready: h.ok, detail: h.detail }))
    for (const c of components) {
      try {
        out[c.name] = await c.readiness()
      } catch (err) {
        out[c.name] = { ready: false, detail: errorMessage(err) }
      }
    }
    return { ready: Object.values(out).every((c) => c.ready), components: out }
  }

  const http = await buildHttpServer({
    logger,
    registry,
    auth,
    readiness,
    version: VERSION,
    routes: [...modules.flatMap((m) => m.routes ?? []), streamRoutes({ hub, maxBufferedBytes: 1024 * 1024, dropped: streamDropped })],
  })

  const started: Component[] = []
  let stopping: Promise<void> | undefined
  return {
    http,
    context,
    async start() {
      await store.init(collections)
      for (const c of components) {
        await c.start()
        started.push(c)
      }
      logger.info({ store: store.kind, components: components.map((c) => c.name) }, 'flinkwatch started')
    },
    async listen() {
      try {
        return await http.listen({ host: config.server.host, port: config.server.port })
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'EADDRINUSE') throw new AppError('ERR_CONFIG', `port ${config.server.port} on ${config.server.host} is already in use (server.port)`, { retriable: false })
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new AppError('ERR_CONFIG', `cannot bind to server.host ${config.server.host}: ${code}`, { retriable: false })
        if (code === 'EACCES') throw new AppError('ERR_CONFIG', `no permission to bind ${config.server.host}:${config.server.port}`, { retriable: false })
        throw err
      }
    },
    stop() {
      stopping ??= (async () => {
        // Stop taking requests first, then let components flush, then close the store they flush into.
        await http.close().catch((err: unknown) => logger.warn({ err }, 'closing HTTP server failed'))
        for (const c of [...started].reverse()) {
          await c.stop().catch((err: unknown) => logger.error({ err, component: c.name }, 'component failed to stop cleanly'))
        }
        await store.close().catch((err: unknown) => logger.error({ err }, 'closing store failed'))
        logger.info('flinkwatch stopped')
      })()
      return stopping
    },
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(fallback), ms)
    t.unref()
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (err: unknown) => (clearTimeout(t), resolve({ ...(fallback as object), detail: errorMessage(err) } as T)),
    )
  })
}
