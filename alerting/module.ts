/**
 * The alerting feature: rules → alert engine (incidents, inhibition, silences, reminders) →
 * notification pipeline (route, outbox, group, render, queue, deliver) → channels. Exposes
 * `incidents` (an IncidentSink) for lifecycle actions and auto-restart, and `alerts` and
 * `silences`, the services app.ts builds the HTTP routes on (domain code never imports src/http).
 */
import { Counter } from 'prom-client'
import type { AppContext, FeatureModule } from '../src/core/feature.js'
import type { TimerHandle } from '../src/core/clock.js'
import type { Component } from '../src/core/component.js'
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
import { AckLinks, ackLinkCollections } from './oncall/ack-links.js'
import { AckRecords, ackRecordCollection, applyRecordedAcks } from './oncall/ack-records.js'
import { AckService, type AuditWriter } from './oncall/acks.js'
import { MaintenanceWindows, maintenanceCollection } from './oncall/maintenance.js'
import { OnCallPolicy } from './oncall/policy.js'
import { loadRules, resolveRulesFile } from './rules/load.js'
import type { Rule } from './rules/rule.js'
import type { Fence } from '../src/ha/fence.js'
import type { Ownership } from '../src/ha/ownership.js'

/**
 * HA: how often a channel's holder looks for messages other instances wrote (a floor on cross-instance
 * latency). Writers refresh the messages index when they leave one for another holder, so a scan sees it.
 */
const OUTBOX_SCAN_MS = 250

const WINDOW_RELOAD_MS = 30_000

export interface AlertingModule extends FeatureModule {
  readonly incidents: IncidentSink
  readonly engine: AlertEngine
  readonly pipeline: NotificationPipeline
  readonly silences: Silences
  /** Incidents and their notifications, for the alerts API. */
  readonly alerts: AlertsService
  /** Acknowledge and un-acknowledge (API and one-click links). */
  readonly acks: AckService
  /** Maintenance windows (config and API); also tells auto-restart to pause. */
  readonly maintenance: MaintenanceWindows
}

export interface AlertingModuleOptions {
  /** Tests pass rules directly instead of the rules file. */
  rules?: Rule[]
  delivery?: PipelineOptions['delivery']
  instanceId?: string
  /** Where acknowledgements go in the audit trail (app.ts: the lifecycle feature's audit). */
  audit?: AuditWriter
  /** HA: each channel is drained by the instance holding its lease (src/ha/). */
  ownership?: Ownership
  /** Adds the failure cause to job-failure incidents before they are notified (src/causes). */
  enrich?: EngineOptions['enrich']
}

export function createAlertingModule(ctx: AppContext, opts: AlertingModuleOptions = {}): AlertingModule {
  const cfg = ctx.config.alerting
  const logger = ctx.logger.child({ component: 'alerting' })
  const rules = cfg.enabled ? (opts.rules ?? loadRules(resolveRulesFile(cfg.rulesFile), cfg.rules)) : []
  const guard = new DocGuard(logger, ctx.registry)
  const outbox = new Outbox(ctx.store, guard)
  const fencedWrites = new Counter({ name: 'flinkwatch_ha_fenced_writes_total', help: 'Writes refused because a newer epoch of the lease wrote the document (a paused or partitioned old holder)', labelNames: ['kind'], registers: [ctx.registry] })
  outbox.onFenced = () => fencedWrites.inc({ kind: 'outbox_message' })
  const ackLinks = new AckLinks({ store: ctx.store, clock: ctx.clock, publicUrl: ctx.config.server.publicUrl, secret: cfg.ackLinks.secret, ttlMs: cfg.ackLinks.ttl })
  const maintenance = new MaintenanceWindows(ctx.store, cfg.maintenance, guard)
  const links = linkBuilder(ctx.config)
  const ha = opts.ownership?.enabled === true
  const channelFences = new Map<string, Fence>()
  // Incidents are fenced by the cluster lease the fleet module polls under (a view: the lease is the fleet's).
  const clusterView = ha ? opts.ownership!.view('cluster') : undefined
  const pipeline = new NotificationPipeline({
    outbox,
    clock: ctx.clock,
    logger,
    metrics: notifyMetrics(ctx.registry),
    channels: cfg.channels.map((c) => createChannel(c, ctx.clock)),
    routes: cfg.routes,
    groupWaitMs: cfg.groupWait,
    holdFirst: cfg.holdFirst,
    links: { ...links, ack: (a) => ackLinks.link(a) },
    ...(opts.delivery ? { delivery: opts.delivery } : {}),
    ...(opts.instanceId ? { instanceId: opts.instanceId } : {}),
    ...(ha ? { mayDeliver: (channel: string) => channelFences.get(channel)?.held() === true, channelFence: (channel: string) => channelFences.get(channel) } : {}),
  })
  opts.ownership?.share(
    'channel',
    cfg.channels.map((c) => c.id),
    {
      onAcquire: (id, fence) => {
        channelFences.set(id, fence)
        if (ha) void pipeline.resumeChannel(id).catch((err: unknown) => logger.warn({ err, channel: id }, 'resuming the channel failed; the next scan retries'))
      },
      onRelease: async (id) => {
        channelFences.delete(id)
        if (ha) await pipeline.releaseChannel(id)
      },
    },
  )
  const book = new IncidentBook(
    ctx.store,
    logger,
    guard,
    clusterView ? { fenceOf: (cluster) => clusterView.fence(cluster), onFenced: (n) => fencedWrites.inc({ kind: 'incident' }, n) } : undefined,
  )
  const silences = new Silences(ctx.store, guard)
  const ackRecords = new AckRecords(ctx.store, ctx.clock, guard, logger)
  const engine: AlertEngine = new AlertEngine({
    rules,
    bus: ctx.bus,
    clock: ctx.clock,
    logger,
    book,
    silences,
    notify: (t) => pipeline.accept(t),
    repeatIntervalMs: cfg.repeatInterval,
    policy: new OnCallPolicy(cfg.routes, { repeatIntervalMs: cfg.repeatInterval }),
    maintenance,
    evaluationIntervalMs: cfg.evaluationInterval,
    registry: ctx.registry,
    ...(ha ? { owns: (cluster: string) => clusterView?.fence(cluster)?.held() === true } : {}),
    ...(opts.enrich ? { enrich: opts.enrich } : {}),
    // Acknowledgements made through any instance reach the owner of the incident here.
    beforeTick: (firing) => applyRecordedAcks(ackRecords, firing, (id, change) => engine.update(id, change)),
  })
  // HA: messages written by the instances that own the clusters wait in the outbox for the channel's holder.
  let scanTimer: TimerHandle | null = null
  let scanning = false
  const scanEvery = (): void => {
    scanTimer = ctx.clock.setTimeout(() => {
      if (scanning) return scanEvery()
      scanning = true
      void pipeline
        .scan()
        .catch((err: unknown) => logger.warn({ err }, 'scanning the outbox failed'))
        .finally(() => {
          scanning = false
          if (scanTimer) scanEvery()
        })
    }, OUTBOX_SCAN_MS)
  }
  const scanComponent: Component = {
    name: 'alert-outbox-scan',
    start: async () => scanEvery(),
    stop: async () => {
      if (scanTimer) ctx.clock.clearTimeout(scanTimer)
      scanTimer = null
    },
    readiness: () => ({ ready: true, detail: `outbox scanned every ${OUTBOX_SCAN_MS} ms for channels held here` }),
  }
  const silencesComponent = { name: 'alert-silences', start: () => silences.load(), stop: async () => {}, readiness: () => ({ ready: true, detail: `${silences.list(ctx.clock.now(), true).length} active silence(s)` }) }
  // API windows are re-read now and then, so one created or deleted through another instance applies here too.
  let reload: TimerHandle | null = null
  let stopped = false
  const scheduleReload = (): void => {
    if (stopped) return
    reload = ctx.clock.setTimeout(() => void maintenance.load().catch((err: unknown) => logger.warn({ err }, 'reading maintenance windows failed')).finally(scheduleReload), WINDOW_RELOAD_MS)
  }
  const onCallComponent = {
    name: 'alert-oncall',
    start: async () => {
      await maintenance.load()
      await ackLinks.start()
      scheduleReload()
    },
    stop: async () => {
      stopped = true
      if (reload) ctx.clock.clearTimeout(reload)
      reload = null
    },
    readiness: () => ({ ready: true, detail: `${maintenance.list().length} maintenance window(s); acknowledge links ${ackLinks.enabled ? 'on' : 'off (no server.publicUrl)'}` }),
  }
  if (cfg.enabled) logger.info({ rules: rules.map((r) => r.spec.name), channels: cfg.channels.map((c) => c.id) }, 'alerting configured')
  return {
    name: 'alerting',
    collections: [...alertingCollections, maintenanceCollection, ...ackLinkCollections, ackRecordCollection],
    // Start order: silences and windows (and the link key), then the pipeline (resumes the outbox), then the engine that feeds it.
    components: ha ? [silencesComponent, onCallComponent, pipeline, scanComponent, engine] : [silencesComponent, onCallComponent, pipeline, engine],
    topics: [alertsTopic(ctx.bus)],
    incidents: engine,
    engine,
    pipeline,
    silences,
    alerts: new AlertsService(book, outbox, pipeline),
    acks: new AckService({ engine, book, records: ackRecords, links: ackLinks, clock: ctx.clock, audit: opts.audit }),
    maintenance,
  }
}
