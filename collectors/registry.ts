/**
 * Cluster type → collector factory. The fleet module builds one collector per configured cluster
 * through this table; the YARN and Kubernetes collectors register theirs with one line each:
 *
 *   yarn: (c, d) => createYarnCollector(c as YarnClusterConfig, d),
 *   kubernetes: (c, d) => createKubernetesCollector(c as KubernetesClusterConfig, d),
 */
import type { Registry } from 'prom-client'
import type { ClusterConfig, FlinkClusterConfig, KubernetesClusterConfig, YarnClusterConfig } from '../src/config/sections/clusters.js'
import type { Clock } from '../src/core/clock.js'
import { AppError } from '../src/core/errors.js'
import type { Logger } from '../src/core/logger.js'
import type { ClusterType } from '../src/model/cluster.js'
import type { Collector } from './collector.js'
import { createFlinkCollector } from './flink/flink-collector.js'
import type { JobManagerRead } from './flink/flink-read.js'
import { createKubernetesCollector } from './kubernetes/kubernetes-collector.js'
import { createYarnCollector } from './yarn/yarn-collector.js'

/** What every collector factory gets. */
export interface CollectorDeps {
  clock: Clock
  /** Already a child logger for this cluster. */
  logger: Logger
  registry: Registry
  /** The shared JobManager reader (same cadence rules as the flink collector) for proxied JobManagers. */
  readFlink: JobManagerRead
}

export type CollectorFactory = (config: ClusterConfig, deps: CollectorDeps) => Collector

export const collectorFactories: Partial<Record<ClusterType, CollectorFactory>> = {
  flink: (c, d) => createFlinkCollector(c as FlinkClusterConfig, { clock: d.clock }),
  yarn: (c, d) => createYarnCollector(c as YarnClusterConfig, d),
  kubernetes: (c, d) => createKubernetesCollector(c as KubernetesClusterConfig, d),
}

/** Builds the collector for one cluster; a type without a factory is a configuration error. */
export function createCollector(config: ClusterConfig, deps: CollectorDeps): Collector {
  const factory = collectorFactories[config.type]
  if (!factory) throw new AppError('ERR_CONFIG', `cluster ${config.id}: no collector for type ${config.type} in this build`, { retriable: false })
  return factory(config, deps)
}
