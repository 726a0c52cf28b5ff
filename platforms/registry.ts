/**
 * The platforms of this build, by cluster type: the one dispatch on `cluster.type`. The fleet module
 * builds one collector per configured cluster and the lifecycle module one `LifecycleActions` per
 * cluster through this list; a new platform is one folder and one line here.
 */
import type { ClusterConfig } from '../src/config/sections/clusters.js'
import { AppError } from '../src/core/errors.js'
import type { LifecycleActions } from '../src/lifecycle/actions.js'
import type { Collector } from '../collectors/collector.js'
import { flinkPlatform } from './flink/plugin.js'
import { kubernetesPlatform } from './kubernetes/plugin.js'
import type { ActionsDeps, CollectorDeps, PlatformPlugin } from './platform.js'
import { yarnPlatform } from './yarn/plugin.js'

export type { ActionsDeps, CollectorDeps, PlatformPlugin } from './platform.js'

export const platforms: readonly PlatformPlugin[] = [flinkPlatform, yarnPlatform, kubernetesPlatform] as readonly PlatformPlugin[]

/** The plugin for a cluster's type; a type without one is a configuration error. */
export function platformFor(config: ClusterConfig): PlatformPlugin {
  const p = platforms.find((x) => x.type === config.type)
  if (!p) throw new AppError('ERR_CONFIG', `cluster ${config.id}: no platform for type ${config.type} in this build`, { retriable: false })
  return p
}

/** Builds the collector for one cluster. */
export function createCollector(config: ClusterConfig, deps: CollectorDeps): Collector {
  return platformFor(config).createCollector(config, deps)
}

/** Builds the lifecycle actions for one cluster. */
export function createActions(config: ClusterConfig, deps: ActionsDeps): LifecycleActions {
  return platformFor(config).createActions(config, deps)
}
