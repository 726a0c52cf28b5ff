/**
 * The one seam between flinkwatch and a platform that runs Flink (a session cluster's REST API, YARN,
 * the Flink Kubernetes Operator). Each platform keeps its client, API types, DTO schemas and decoding
 * in `platforms/<type>/` and exposes one `PlatformPlugin`; the fleet module builds collectors and the
 * lifecycle module builds actions only through the list in `platforms/registry.ts`. Vendor DTOs never
 * leave `platforms/<type>/`: a collector returns `src/model/*` snapshots, actions take `JobRef`s.
 */
import type { Registry } from 'prom-client'
import type { ClusterConfig } from '../src/config/sections/clusters.js'
import type { Clock } from '../src/core/clock.js'
import type { Logger } from '../src/core/logger.js'
import type { LifecycleActions } from '../src/lifecycle/actions.js'
import type { RestorePointMemory } from '../src/lifecycle/restore-point-memory.js'
import type { ClusterType } from '../src/model/cluster.js'
import type { Collector } from '../collectors/collector.js'
import type { JobManagerRead } from './flink/index.js'

/** What every collector factory gets. */
export interface CollectorDeps {
  clock: Clock
  /** Already a child logger for this cluster. */
  logger: Logger
  registry: Registry
  /** The shared JobManager reader for proxied JobManagers (YARN, Kubernetes); built from the config when absent. */
  readFlink?: JobManagerRead
}

/** What every actions factory gets. */
export interface ActionsDeps {
  clock: Clock
  /** Restore points flinkwatch saw, for platforms that cannot list them later. */
  memory: RestorePointMemory
}

export interface PlatformPlugin<C extends ClusterConfig = ClusterConfig> {
  readonly type: C['type'] & ClusterType
  createCollector(config: C, deps: CollectorDeps): Collector
  createActions(config: C, deps: ActionsDeps): LifecycleActions
}
