/**
 * The shared JobManager reader for collectors that reach Flink through another address (YARN RM
 * proxy, Kubernetes service proxy): `read(target, signal)` polls the JobManager at `target.baseUrl`
 * with the same cadence rules as the `flink` collector. One client and one poller per
 * (cluster, base URL); readers unused for `evictAfterMs` are dropped.
 */
import type { Clock } from '../../src/core/clock.js'
import type { KubernetesClusterConfig, YarnClusterConfig } from '../../src/config/sections/clusters.js'
import type { CollectorWarning } from '../../src/model/cluster.js'
import type { JobSnapshot } from '../../src/model/job.js'
import type { HttpTransport } from '../../src/core/http/transport.js'
import { FlinkRestClient } from './flink-rest-client.js'
import { JobManagerPoller } from './job-manager-poller.js'

export interface JobManagerTarget {
  baseUrl: string
  clusterId: string
  upstream?: string
  headers?: Record<string, string>
  /** The API server's transport when the JobManager is reached through its service proxy. */
  transport?: HttpTransport
}

export interface JobManagerView {
  version: string | null
  taskManagers: number
  slots: { total: number; available: number }
  jobs: JobSnapshot[]
  warnings: CollectorWarning[]
  requests: number
}

export interface JobManagerReaderOptions {
  clock: Clock
  requestTimeoutMs: number
  concurrency: number
  checkpointIntervalMs: number
  metricsIntervalMs: number
  detailBudgetMs?: number
  evictAfterMs?: number
}

export type JobManagerRead = (target: JobManagerTarget, signal: AbortSignal) => Promise<JobManagerView>

export function createJobManagerReader(o: JobManagerReaderOptions): JobManagerRead {
  const entries = new Map<string, { client: FlinkRestClient; poller: JobManagerPoller; usedAt: number }>()
  return async (target, signal) => {
    const now = o.clock.now()
    for (const [k, e] of entries) if (now - e.usedAt > (o.evictAfterMs ?? 15 * 60_000)) entries.delete(k)
    const key = `${target.clusterId} ${target.baseUrl}`
    let e = entries.get(key)
    if (!e) {
      e = {
        client: new FlinkRestClient({
          baseUrl: target.baseUrl,
          requestTimeoutMs: o.requestTimeoutMs,
          concurrency: o.concurrency,
          clock: o.clock,
          ...(target.upstream ? { upstream: target.upstream } : {}),
          ...(target.headers ? { headers: target.headers } : {}),
          ...(target.transport ? { transport: target.transport } : {}),
        }),
        poller: new JobManagerPoller({
          clusterId: target.clusterId,
          clock: o.clock,
          checkpointIntervalMs: o.checkpointIntervalMs,
          metricsIntervalMs: o.metricsIntervalMs,
          ...(o.detailBudgetMs !== undefined ? { detailBudgetMs: o.detailBudgetMs } : {}),
        }),
        usedAt: now,
      }
      entries.set(key, e)
    }
    e.usedAt = now
    const before = e.client.requests
    const r = await e.poller.poll(e.client, signal)
    return { ...r.overview, jobs: r.jobs, warnings: r.warnings, requests: e.client.requests - before }
  }
}

/**
 * The default reader of a YARN or Kubernetes cluster (JobManagers reached through the RM proxy or the
 * API server's service proxy), from that cluster's config, when the caller does not pass one in.
 */
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
