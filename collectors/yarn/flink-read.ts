/**
 * The YARN and Kubernetes collectors read JobManagers only through the shared reader of the flink
 * collector (collectors/flink/flink-read.ts); this builds the default one from a cluster's config when
 * the caller (the registry) does not pass it in.
 */
import type { Clock } from '../../src/core/clock.js'
import type { KubernetesClusterConfig, YarnClusterConfig } from '../../src/config/sections/clusters.js'
import { createJobManagerReader, type JobManagerRead } from '../flink/flink-read.js'

export type { JobManagerRead, JobManagerView } from '../flink/flink-read.js'

export function defaultJobManagerReader(config: YarnClusterConfig | KubernetesClusterConfig, clock: Clock): JobManagerRead {
  return createJobManagerReader({
    clock,
    requestTimeoutMs: config.requestTimeout,
    concurrency: config.concurrency,
    checkpointIntervalMs: config.checkpointInterval,
    metricsIntervalMs: config.metricsInterval,
    detailBudgetMs: Math.floor(config.pollInterval * 0.8),
  })
}
