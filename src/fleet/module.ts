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
import { Poller } from './poller.js'
import { TransitionRecorder, transitionsCollection } from './transitions.js'

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

  const pollers: Poller[] = []
  const collectors: Collector[] = []
  for (const c of clusters) {
    const pollMs = c.pollInterval
    const collector = opts.collectors?.[c.id] ?? createCollector(c, { clock: ctx.clock, logger: logger.child({ cluster: c.id }), registry: ctx.registry })
    collectors.push(collector)
    pollers.push(
      new Poller({
        collector,
        intervalMs: pollMs,
        timeoutMs: pollMs,
        clock: ctx.clock,
        ...(opts.random ? { random: opts.random } : {}),
        onResult: (snap, ms) => {
          metrics.pollDuration(c.id, ms / 1000, 'success')
          if (snap.requests) metrics.requests(c.id, snap.requests)
          state.applySnapshot(c.id, snap)
        },
        onError: (err, ms) => {
          metrics.pollDuration(c.id, ms / 1000, 'failure')
          state.applyFailure(c.id, err)
        },
        onSkip: () => metrics.skipped(c.id),
      }),
    )
  }

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
      for (const p of pollers) p.start()
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
    collections: [historyCollection, transitionsCollection],
    components: [history, transitions, collectorsComponent],
    topics: [jobsTopic(ctx.bus, state, ctx.clock)],
  }
}
