/**
 * The alerting feature: rules → alert engine (incidents, inhibition, silences, reminders) →
 * notification pipeline (route, outbox, group, render, queue, deliver) → channels. Exposes
 * `incidents` (an IncidentSink) for lifecycle actions and auto-restart, and `alerts` and
 * `silences`, the services app.ts builds the HTTP routes on (domain code never imports src/http).
 */
import type { AppContext, FeatureModule } from '../src/app.js'
import { parseDuration } from '../src/core/duration.js'
import { AlertsService } from './alerts-service.js'
import { createChannel } from './channels/index.js'
import { alertingCollections } from './engine/collections.js'
import { AlertEngine, type EngineOptions } from './engine/engine.js'
import { IncidentBook } from './engine/incident-book.js'
import { Silences } from './engine/silences.js'
import { DocGuard } from './engine/stored.js'
import { alertsTopic } from './engine/alerts-topic.js'
import type { IncidentSink } from './incidents.js'
import { linkBuilder } from './notify/links.js'
import { notifyMetrics } from './notify/metrics.js'
import { Outbox } from './notify/outbox.js'
import { NotificationPipeline, type PipelineOptions } from './notify/pipeline.js'
import { loadRules, resolveRulesFile } from './rules/load.js'
import type { Rule } from './rules/rule.js'

export interface AlertingModule extends FeatureModule {
  readonly incidents: IncidentSink
  readonly engine: AlertEngine
  readonly pipeline: NotificationPipeline
  readonly silences: Silences
  /** Incidents and their notifications, for the alerts API. */
  readonly alerts: AlertsService
}

export interface AlertingModuleOptions {
  /** Tests pass rules directly instead of the rules file. */
  rules?: Rule[]
  delivery?: PipelineOptions['delivery']
  instanceId?: string
  /** Adds the failure cause to job-failure incidents before they are notified (src/causes). */
  enrich?: EngineOptions['enrich']
}

export function createAlertingModule(ctx: AppContext, opts: AlertingModuleOptions = {}): AlertingModule {
  const cfg = ctx.config.alerting
  const logger = ctx.logger.child({ component: 'alerting' })
  const rules = cfg.enabled ? (opts.rules ?? loadRules(resolveRulesFile(cfg.rulesFile), cfg.rules)) : []
  const guard = new DocGuard(logger, ctx.registry)
  const outbox = new Outbox(ctx.store, guard)
  const pipeline = new NotificationPipeline({
    outbox,
    clock: ctx.clock,
    logger,
    metrics: notifyMetrics(ctx.registry),
    channels: cfg.channels.map((c) => createChannel(c, ctx.clock)),
    routes: cfg.routes,
    groupWaitMs: parseDuration(cfg.groupWait),
    holdFirst: cfg.holdFirst,
    links: linkBuilder(ctx.config),
    ...(opts.delivery ? { delivery: opts.delivery } : {}),
    ...(opts.instanceId ? { instanceId: opts.instanceId } : {}),
  })
  const book = new IncidentBook(ctx.store, logger, guard)
  const silences = new Silences(ctx.store, guard)
  const engine = new AlertEngine({
    rules,
    bus: ctx.bus,
    clock: ctx.clock,
    logger,
    book,
    silences,
    notify: (t) => pipeline.accept(t),
    repeatIntervalMs: parseDuration(cfg.repeatInterval),
    evaluationIntervalMs: parseDuration(cfg.evaluationInterval),
    registry: ctx.registry,
    ...(opts.enrich ? { enrich: opts.enrich } : {}),
  })
  const silencesComponent = { name: 'alert-silences', start: () => silences.load(), stop: async () => {}, readiness: () => ({ ready: true, detail: `${silences.list(ctx.clock.now(), true).length} active silence(s)` }) }
  if (cfg.enabled) logger.info({ rules: rules.map((r) => r.spec.name), channels: cfg.channels.map((c) => c.id) }, 'alerting configured')
  return {
    name: 'alerting',
    collections: alertingCollections,
    // Start order: silences, then the pipeline (resumes the outbox), then the engine that feeds it.
    components: [silencesComponent, pipeline, engine],
    topics: [alertsTopic(ctx.bus)],
    incidents: engine,
    engine,
    pipeline,
    silences,
    alerts: new AlertsService(book, outbox, pipeline),
  }
}
