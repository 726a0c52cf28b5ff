/**
 * The lifecycle feature: actions per cluster type, operations and the audit trail, restore-point memory,
 * auto-restart. The routes (`/api/v1/jobs/:cluster/:jobId/actions`, `/operations/:id`, `/events`) are built
 * by app.ts from `service` (domain code does not import the HTTP layer).
 * Needs the fleet's view and the alerting feature's IncidentSink (app.ts passes both).
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Ownership } from '../ha/ownership.js'
import type { AppContext, FeatureModule } from '../core/feature.js'
import type { FleetView } from '../fleet/fleet-view.js'
import type { IncidentSink } from '../../alerting/incidents.js'
import { createActions } from '../../platforms/registry.js'
import type { RestartPause } from '../model/maintenance.js'
import type { LifecycleActions } from './actions.js'
import { AutoRestarter, restartStateCollection } from './auto-restart.js'
import { leasesCollection } from './lease.js'
import { LifecycleService } from './lifecycle-service.js'
import { OperationService, auditCollection, operationsCollection } from './operations.js'
import { restorePointsCollection, storeRestorePointMemory } from './restore-point-memory.js'
import { RestorePointRecorder } from './restore-point-recorder.js'
import { restorePointCandidates, type RestorePointView } from './restore-point-catalog.js'

export interface LifecycleModule extends FeatureModule {
  readonly operations: OperationService
  readonly service: LifecycleService
  readonly restarter: AutoRestarter
  actions(cluster: string): LifecycleActions | undefined
  /** The restore points a restart of the job would choose from, newest first; undefined for an unknown job. */
  restorePoints(cluster: string, jobId: string): Promise<RestorePointView[] | undefined>
}

export interface LifecycleDeps {
  fleet: FleetView
  incidents: IncidentSink
  /** Maintenance windows that pause auto-restart (the alerting feature's). */
  pause?: RestartPause
  /** Owner name in leases and claims; unique per process by default. */
  instanceId?: string
  /** HA: restarts only for clusters whose lease this instance holds. */
  ownership?: Ownership
}

export function createLifecycleModule(ctx: AppContext, deps: LifecycleDeps): LifecycleModule {
  const logger = ctx.logger.child({ component: 'lifecycle' })
  const memory = storeRestorePointMemory(ctx.store)
  const byCluster = new Map<string, LifecycleActions>()
  for (const c of ctx.config.clusters.filter((c) => c.enabled)) byCluster.set(c.id, createActions(c, { clock: ctx.clock, memory }))
  const actions = (cluster: string): LifecycleActions | undefined => byCluster.get(cluster)
  const operations = new OperationService({ store: ctx.store, bus: ctx.bus, clock: ctx.clock, logger })
  const service = new LifecycleService({ fleet: deps.fleet, operations, actions, autoRestart: ctx.config.autoRestart })
  // Restarts are fenced by the cluster lease the fleet module polls under (same kind, same ids: a view only).
  const clusterShare = deps.ownership?.enabled ? deps.ownership.view('cluster') : undefined
  const restarter = new AutoRestarter({
    config: ctx.config.autoRestart,
    view: deps.fleet,
    bus: ctx.bus,
    clock: ctx.clock,
    logger: ctx.logger.child({ component: 'auto-restart' }),
    store: ctx.store,
    operations,
    actions,
    incidents: deps.incidents,
    ...(deps.pause ? { pause: deps.pause } : {}),
    instanceId: deps.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    ...(clusterShare ? { fence: (cluster: string) => clusterShare.fence(cluster) } : {}),
  })
  const recorder = new RestorePointRecorder({ bus: ctx.bus, memory, logger })
  const operationsComponent = {
    name: 'operations',
    start: async () => {},
    stop: () => operations.stop(),
    readiness: () => ({ ready: true, detail: 'accepting lifecycle actions' }),
  }
  return {
    name: 'lifecycle',
    operations,
    service,
    restarter,
    actions,
    restorePoints: (cluster, jobId) => restorePointCandidates(deps.fleet, memory, cluster, jobId),
    collections: [operationsCollection, auditCollection, leasesCollection, restartStateCollection, restorePointsCollection],
    // Stopped in reverse: the restarter first (no new operations), then running operations are aborted.
    components: [operationsComponent, recorder, restarter],
  }
}
