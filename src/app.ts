import { Counter, type Registry } from 'prom-client'
import type { FlinkwatchConfig } from './config/schema.js'
import { systemClock, type Clock } from './core/clock.js'
import type { Component } from './core/component.js'
import { AppError, ConfigError, errorMessage } from './core/errors.js'
import { EventBus } from './core/event-bus.js'
import { createLogger, type Logger } from './core/logger.js'
import { packageRoot, packageVersion } from './core/version.js'
import { join } from 'node:path'
import { createRegistry } from './metrics/registry.js'
import { TokenAuth } from './http/auth.js'
import { buildHttpServer, type Api, type ApiRoutes } from './http/server.js'
import type { ReadinessReport } from './http/routes/health.js'
import { streamRoutes } from './http/routes/stream.js'
import { alertRoutes } from './http/routes/alerts.js'
import { silenceRoutes } from './http/routes/silences.js'
import { maintenanceRoutes } from './http/routes/maintenance.js'
import { ackLinkRoutes } from './http/routes/ack-links.js'
import { lifecycleRoutes } from './http/routes/lifecycle.js'
import { recommendationRoutes } from './http/routes/recommendations.js'
import { logsRoutes } from './http/routes/logs.js'
import { logPatternRoutes } from './http/routes/log-patterns.js'
import { clusterRoutes } from './http/routes/clusters.js'
import { jobRoutes } from './http/routes/jobs.js'
import { whoamiRoutes } from './http/routes/whoami.js'
import { readJobHistory } from './fleet/job-history.js'
import { jobTimeline } from './fleet/job-timeline.js'
import { instanceRoutes } from './http/routes/instances.js'
import { createHaModule } from './ha/module.js'
import { createFleetModule } from './fleet/module.js'
import { createStore } from './storage/create-store.js'
import { createLogsModule } from './logs/module.js'
import { createAlertingModule } from '../alerting/module.js'
import { createLifecycleModule } from './lifecycle/module.js'
import { createRecommendationsModule } from './recommend/module.js'
import type { Store } from './storage/store.js'
import { StreamHub } from './stream/stream-hub.js'
import type { AppContext, FeatureModule } from './core/feature.js'
import { checkServeConfig } from './serve-checks.js'
import { createCausesModule } from './causes/module.js'
import { LogPatterns } from './logs/patterns/patterns-service.js'

export type { AppContext, FeatureModule } from './core/feature.js'

export interface AppOptions {
  logger?: Logger
  clock?: Clock
  registry?: Registry
  /** Tests inject a store; otherwise config.storage decides. */
  store?: Store
  /** The built console; dist/ui under the package root by default. */
  consoleDir?: string
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
  // The same check as `flinkwatch check-config`: what it passes, serve accepts, and the other way round.
  const problems = checkServeConfig(config)
  if (problems.length > 0) throw new ConfigError(problems)
  const auth = new TokenAuth(config.auth)
  const store = opts.store ?? (await createStore(config.storage))
  const context: AppContext = { config, logger, registry, clock, bus, store }

  const hub = new StreamHub()
  const streamDropped = new Counter({ name: 'flinkwatch_stream_messages_dropped_total', help: 'WebSocket messages not sent to slow clients', registers: [registry] })

  // Features, in start order (stop runs in reverse): the store-backed pipelines first, so collectors and rules
  // never publish into something that is not yet running, and stop before what they feed is flushed.
  // HA decides which clusters this instance polls and which channels it drains (src/ha/).
  const ha = createHaModule({ config, store, clock, logger, registry, version: VERSION })
  const instanceId = config.ha.enabled ? ha.ownership.instanceId : undefined
  // Bound below: a cluster this instance takes over continues the incidents its previous owner left in the book.
  let adoptCluster = async (_cluster: string): Promise<void> => {}
  const fleet = createFleetModule(context, {
    ownership: ha.ownership,
    beforePolling: (c) => adoptCluster(c),
    ...(config.ha.enabled ? { mirror: { instanceId: ha.ownership.instanceId, intervalMs: 2000 } } : {}),
  })
  const logs = createLogsModule(context)
  const causes = createCausesModule(context, { job: (c, id) => fleet.view.job(c, id) })
  // Acknowledgements go to the lifecycle feature's audit trail (GET /api/v1/events); only called after start.
  const alerting = createAlertingModule(context, {
    enrich: causes.enrich,
    audit: (e) => lifecycle.operations.audit(e), ownership: ha.ownership, ...(instanceId ? { instanceId } : {}) })
  adoptCluster = (c) => alerting.engine.adoptCluster(c)
  const lifecycle = createLifecycleModule(context, {
    fleet: fleet.view,
    incidents: alerting.incidents,
    pause: alerting.maintenance,
    ownership: ha.ownership,
    ...(instanceId ? { instanceId } : {}),
  })
  const recommendations = createRecommendationsModule(context, { fleet: fleet.view })
  // Domain modules expose their services; the HTTP routes over them are built here.
  const modules: (FeatureModule & { routes?: readonly ApiRoutes[] })[] = [
    { ...logs, routes: [logsRoutes({ pipeline: logs.pipeline, search: logs.search, clock }), logPatternRoutes({ patterns: new LogPatterns(store), clock })] },
    causes,
    {
      ...alerting,
      routes: [
        alertRoutes(alerting.alerts, alerting.acks),
        silenceRoutes({ silences: alerting.silences, clock }),
        maintenanceRoutes({ windows: alerting.maintenance, clock }),
        ackLinkRoutes(alerting.acks),
      ],
    },
    { ...lifecycle, routes: [lifecycleRoutes(lifecycle.service)] },
    { ...recommendations, routes: [recommendationRoutes(recommendations.service, fleet.view)] },
    {
      ...fleet,
      routes: [
        clusterRoutes(fleet.view),
        jobRoutes(fleet.state, clock, {
          history: (q) => readJobHistory(store, q),
          // The timeline joins what three features know about a job; each source is read through its own service.
          timeline: (job, q) =>
            jobTimeline(
              {
                store,
                audit: (a) => lifecycle.operations.events({ cluster: a.cluster, job: a.job, from: a.from, to: a.to, limit: a.limit }),
                incidents: async (i) => (await alerting.alerts.list({ cluster: i.cluster, job: i.jobName, limit: Math.min(i.limit, 1000) })).alerts,
              },
              job,
              q,
            ),
          restorePoints: (cluster, jobId) => lifecycle.restorePoints(cluster, jobId),
        }),
      ],
    },
    { name: 'auth', routes: [whoamiRoutes(auth.enabled)] },
    // Last: started once everything it starts work in runs; stopped first, releasing its leases.
    { ...ha, routes: [instanceRoutes(ha.ownership)] },
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
    consoleDir: opts.consoleDir ?? join(packageRoot() ?? process.cwd(), 'dist', 'ui'),
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
