/**
 * The fleet feature: one collector and one poller per configured cluster, the fleet state they
 * feed, metric history, the Prometheus exporter and the `jobs` WebSocket topic (app.ts serves
 * `/api/v1/clusters` and `/api/v1/jobs` over the view). Other features read `module.view` (a FleetView) and listen to the
 * EventBus; app.ts passes the view on.
 */
import type { AppContext, FeatureModule } from '../core/feature.js'
import { createCollector } from '../../platforms/registry.js'
import type { Collector } from '../../collectors/collector.js'
import type { Component } from '../core/component.js'
import { registerFleetMetrics } from '../metrics/fleet-exporter.js'
import { FleetState } from './fleet-state.js'
import type { FleetView } from './fleet-view.js'
import { HistoryRecorder, historyCollection } from './history.js'
import { jobsTopic } from './jobs-topic.js'
import { PollSlots } from './poll-slots.js'
import { Poller } from './poller.js'
import { TransitionRecorder, transitionsCollection } from './transitions.js'
import type { Fence } from '../ha/fence.js'
import type { Ownership } from '../ha/ownership.js'
import { FleetMirror, fleetMirrorCollections } from '../ha/fleet-mirror.js'

/** A cluster taken from another instance is first polled within this (spread, so 100 takeovers are not one burst). */
const TAKEN_OVER_FIRST_POLL_MS = 1000
/** Early polls (a state watch saw a change) one instance runs at once: a storm's are taken in turn (poll-slots.ts). */
const EARLY_POLLS_AT_ONCE = 8

export interface FleetModule extends FeatureModule {
  readonly view: FleetView
  /** For tests and tools: the state behind the view. */
  readonly state: FleetState
  readonly history: HistoryRecorder
  readonly transitions: TransitionRecorder
}

export interface FleetModuleOptions {
  /** Tests replace collectors (by cluster id) instead of reaching real clusters. */
  collectors?: Partial<Record<string, Collector>>
  random?: () => number
  /**
   * Which clusters this instance polls (HA: only those whose lease it holds; src/ha/). Without one, every
   * cluster is polled from start to stop.
   */
  ownership?: Ownership
  /** HA: runs when this instance takes a cluster, before its first poll here (the alert engine adopts its incidents). */
  beforePolling?: (cluster: string) => Promise<void>
  /** HA: this instance's id, and how often it reads the clusters other instances poll (fleet-mirror.ts). */
  mirror?: { instanceId: string; intervalMs: number }
}

export function createFleetModule(ctx: AppContext, opts: FleetModuleOptions = {}): FleetModule {
  const clusters = ctx.config.clusters.filter((c) => c.enabled)
  const logger = ctx.logger.child({ component: 'fleet' })
  const state = new FleetState({
    clusters: clusters.map((c) => ({ id: c.id, type: c.type, downAfter: c.downAfter, url: c.url ?? null, webUiUrl: c.webUiUrl ?? null })),
    bus: ctx.bus,
    clock: ctx.clock,
    logger,
    counters: { error: (cluster, reason) => metrics.error(cluster, reason) },
  })
  const metrics = registerFleetMetrics({ registry: ctx.registry, view: state, clock: ctx.clock, clusters: clusters.map((c) => c.id) })

  const mirror =
    opts.ownership?.enabled && opts.mirror
      ? new FleetMirror({
          store: ctx.store,
          clock: ctx.clock,
          logger,
          instanceId: opts.mirror.instanceId,
          intervalMs: opts.mirror.intervalMs,
          owns: (id) => fences.get(id)?.held() === true,
          currentJob: (id, jobId) => state.job(id, jobId),
          applySnapshot: (id, snap) => state.applySnapshot(id, snap),
          applyFailure: (id, err) => state.applyFailure(id, err),
        })
      : undefined
  const pollers: Poller[] = []
  const byCluster = new Map<string, Poller>()
  /** The lease each polled cluster is polled under; a result that arrives after it lapsed is dropped. */
  const fences = new Map<string, Fence>()
  const collectors: Collector[] = []
  const earlySlots = new PollSlots(EARLY_POLLS_AT_ONCE)
  for (const c of clusters) {
    const pollMs = c.pollInterval
    const collector = opts.collectors?.[c.id] ?? createCollector(c, { clock: ctx.clock, logger: logger.child({ cluster: c.id }), registry: ctx.registry })
    collectors.push(collector)
    pollers.push(
      new Poller({
        collector,
        intervalMs: pollMs,
        timeoutMs: pollMs,
        minTimeoutMs: c.requestTimeout + 1000,
        clock: ctx.clock,
        ...(opts.random ? { random: opts.random } : {}),
        onResult: (snap, ms) => {
          if (opts.ownership && !fences.get(c.id)?.held()) return
          metrics.pollDuration(c.id, ms / 1000, 'success')
          if (snap.requests) metrics.requests(c.id, snap.requests)
          state.applySnapshot(c.id, snap)
          mirror?.publish(c.id, { snapshot: snap })
        },
        onError: (err, ms) => {
          if (opts.ownership && !fences.get(c.id)?.held()) return
          metrics.pollDuration(c.id, ms / 1000, 'failure')
          state.applyFailure(c.id, err)
          mirror?.publish(c.id, { error: err })
        },
        onSkip: () => metrics.skipped(c.id),
        // Pointless unless it comes well before the next poll would.
        watchIntervalMs: c.type === 'flink' && c.watchInterval * 2 <= pollMs ? c.watchInterval : 0,
        earlySlots,
        onWatch: (outcome, requests) => {
          metrics.watched(c.id, outcome)
          metrics.requests(c.id, requests)
        },
      }),
    )
    byCluster.set(c.id, pollers[pollers.length - 1]!)
  }
  // Polling starts when this instance holds the cluster's lease and has stopped before it gives it up.
  opts.ownership?.share(
    'cluster',
    clusters.map((c) => c.id),
    {
      onAcquire: async (id, fence, change) => {
        if (opts.ownership?.enabled) await opts.beforePolling?.(id).catch((err: unknown) => logger.warn({ err, cluster: id }, 'preparing a taken-over cluster failed'))
        fences.set(id, fence)
        mirror?.forget(id)
        // Taken from another instance: it was polled until just now (handover) or not for a TTL (takeover), so
        // the first poll comes within a moment, not at a random point of the interval.
        byCluster.get(id)?.start(change === 'takeover' || change === 'handover' ? TAKEN_OVER_FIRST_POLL_MS : undefined)
      },
      onRelease: async (id) => {
        fences.delete(id)
        await byCluster.get(id)?.stop()
      },
    },
  )

  const history = new HistoryRecorder({
    store: ctx.store,
    bus: ctx.bus,
    clock: ctx.clock,
    logger: ctx.logger.child({ component: 'history' }),
    sampleIntervalMs: ctx.config.history.sampleInterval,
    retentionMs: ctx.config.history.retention,
    counters: { samples: (outcome, n) => metrics.samples(outcome, n) },
  })

  // The job page's timeline; kept as long as metric history.
  const transitions = new TransitionRecorder({
    store: ctx.store,
    bus: ctx.bus,
    clock: ctx.clock,
    logger: ctx.logger.child({ component: 'transitions' }),
    retentionMs: ctx.config.history.retention,
  })

  const collectorsComponent: Component = {
    name: 'collectors',
    async start() {
      if (!opts.ownership) for (const p of pollers) p.start()
    },
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()))
      // Collectors may hold watches and sockets (the Kubernetes pod watch); release them now, not at their lease expiry.
      await Promise.all(collectors.map((c) => c.close?.()))
    },
    readiness() {
      const list = state.clusters()
      const down = list.filter((c) => c.status === 'down' && c.consecutiveFailures > 0).map((c) => c.id)
      // Ready means "collecting"; a down cluster is what flinkwatch reports, not a flinkwatch failure.
      return { ready: true, detail: `${list.length} cluster(s)${down.length ? `, down: ${down.join(', ')}` : ''}` }
    },
  }

  return {
    name: 'fleet',
    view: state,
    state,
    history,
    transitions,
    collections: mirror ? [historyCollection, transitionsCollection, ...fleetMirrorCollections] : [historyCollection, transitionsCollection],
    components: mirror ? [history, transitions, collectorsComponent, mirror] : [history, transitions, collectorsComponent],
    topics: [jobsTopic(ctx.bus, state, ctx.clock)],
  }
}
