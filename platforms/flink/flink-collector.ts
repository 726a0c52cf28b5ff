/** The `flink` collector: one standalone or session JobManager at a fixed REST URL. */
import type { Clock } from '../../src/core/clock.js'
import type { FlinkClusterConfig } from '../../src/config/sections/clusters.js'
import type { ClusterSnapshot } from '../../src/model/cluster.js'
import type { Collector } from '../../collectors/collector.js'
import { FlinkRestClient, type FetchLike } from './flink-rest-client.js'
import { JobManagerPoller } from './job-manager-poller.js'

export interface FlinkCollectorDeps {
  clock: Clock
  fetch?: FetchLike
  /** Detail requests stop being started this long into a poll (default: 80% of the poll interval). */
  detailBudgetMs?: number
}

export function createFlinkCollector(config: FlinkClusterConfig, deps: FlinkCollectorDeps): Collector {
  const client = new FlinkRestClient({
    baseUrl: config.url,
    requestTimeoutMs: config.requestTimeout,
    concurrency: config.concurrency,
    clock: deps.clock,
    upstream: `flink ${config.id}`,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  })
  const poller = new JobManagerPoller({
    clusterId: config.id,
    clock: deps.clock,
    checkpointIntervalMs: config.checkpointInterval,
    metricsIntervalMs: config.metricsInterval,
    detailBudgetMs: deps.detailBudgetMs ?? Math.floor(config.pollInterval * 0.8),
  })
  return {
    clusterId: config.id,
    type: 'flink',
    async collect(signal: AbortSignal): Promise<ClusterSnapshot> {
      const before = client.requests
      const r = await poller.poll(client, signal)
      return {
        cluster: {
          id: config.id,
          type: 'flink',
          version: r.overview.version,
          taskManagers: r.overview.taskManagers,
          slots: r.overview.slots,
          jobs: r.overview.jobs,
          jobManagerUrl: client.baseUrl,
          webUiUrl: config.webUiUrl ?? client.baseUrl,
        },
        jobs: r.jobs,
        incidents: [],
        at: deps.clock.now(),
        warnings: r.warnings,
        requests: client.requests - before,
      }
    },
    async changed(signal: AbortSignal) {
      const before = client.requests
      const changed = await poller.changed(client, signal)
      return { changed, requests: client.requests - before }
    },
  }
}
