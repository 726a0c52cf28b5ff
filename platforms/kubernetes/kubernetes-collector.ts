/**
 * One Kubernetes cluster = one flinkwatch cluster. Its jobs come from:
 * - FlinkDeployment resources of the Flink Kubernetes Operator (application and session clusters),
 * - FlinkSessionJob resources (jobs inside a session FlinkDeployment),
 * - native-mode Flink clusters without the operator, found by label (`nativeLabelSelector`),
 * each read through the shared Flink poller at `<name>-rest` (port `rest`, 8081), via the API server
 * service proxy by default. When a JobManager cannot be read, operator resources still give the job
 * state from `status.jobStatus`. Savepoints and checkpoints the operator knows (jobStatus savepoint and
 * checkpoint info, FlinkStateSnapshot resources) fill in what the JobManager cannot tell
 * (operator-checkpoints.ts). TaskManager pods killed for OOM, evicted or crashed become incidents: from
 * the per-poll pod list and Warning events, and from a pod watch between polls (pod-watch.ts), because
 * Flink deletes a dead TaskManager pod at once.
 *
 * Parts: kube-inventory.ts lists what a poll needs, kube-jobs.ts turns it and the JobManager views into
 * jobs, tm-watch.ts keeps the TaskManager pod watches between polls; this file wires them per cluster.
 *
 * The cluster-level probe is listing FlinkDeployments (or, when the operator CRDs are not installed,
 * the native JobManager pods): if that fails the poll fails.
 */
import PQueue from 'p-queue'
import { Counter, type Registry } from 'prom-client'
import type { Clock } from '../../src/core/clock.js'
import { errorMessage } from '../../src/core/errors.js'
import { reasonOf } from '../../src/core/http/status.js'
import { onChange, type Logger } from '../../src/core/logger.js'
import type { KubernetesClusterConfig } from '../../src/config/sections/clusters.js'
import type { ClusterIncident, ClusterSnapshot, CollectorWarning } from '../../src/model/cluster.js'
import type { CheckpointStats } from '../../src/model/job.js'
import type { Collector } from '../../collectors/collector.js'
import { defaultJobManagerReader, type JobManagerRead, type JobManagerView } from '../flink/index.js'
import { platformErrorCounter } from '../platform-metrics.js'
import { createKubeApi, serviceProxyPath, type Namespace } from './kube-api.js'
import { createKubeClient, type KubeClient, type KubeClientOptions } from './kube-client.js'
import { KubeInventory, flinkTargets, jobNameOf, type FlinkTargetCluster, type Warn } from './kube-inventory.js'
import { assembleJobs } from './kube-jobs.js'
import type { WatchNotice } from './pod-watch.js'
import { TaskManagerIncidents } from './taskmanager-incidents.js'
import { TaskManagerWatches } from './tm-watch.js'

export interface KubernetesCollectorDeps {
  clock: Clock
  logger: Logger
  registry?: Registry
  /** The shared JobManager reader (platforms/flink); built from the config when absent. */
  readFlink?: JobManagerRead
  /** A prepared client (tests); otherwise built from the config. */
  client?: KubeClient
  /** In-cluster defaults, injectable for tests. */
  env?: KubeClientOptions['env']
  serviceAccountDir?: string
  /** Watch TaskManager pods between polls (default true). */
  watchPods?: boolean
  /** Watch progress (tests, debugging). */
  onWatchNotice?: (n: WatchNotice) => void
  /** Jitter source of the watch backoff (tests). */
  random?: () => number
}

const WATCH_ERRORS = 'flinkwatch_kubernetes_pod_watch_errors_total'
function watchErrorCounter(registry: Registry | undefined): Counter<'cluster' | 'reason'> | undefined {
  if (!registry) return undefined
  const existing = registry.getSingleMetric(WATCH_ERRORS)
  if (existing) return existing as Counter<'cluster' | 'reason'>
  return new Counter({ name: WATCH_ERRORS, help: 'Kubernetes TaskManager pod watch failures (the watch backs off and resumes; gone = 410, re-listed)', labelNames: ['cluster', 'reason'], registers: [registry] })
}


export function createKubernetesCollector(config: KubernetesClusterConfig, deps: KubernetesCollectorDeps): Collector {
  const timeoutMs = config.requestTimeout
  const client =
    deps.client ??
    createKubeClient({
      url: config.url,
      inCluster: config.inCluster,
      token: config.token,
      tokenFile: config.tokenFile,
      caFile: config.caFile,
      insecureSkipTlsVerify: config.insecureSkipTlsVerify,
      timeoutMs,
      clock: deps.clock,
      env: deps.env,
      serviceAccountDir: deps.serviceAccountDir,
    })
  const api = createKubeApi(client)
  const readFlink = deps.readFlink ?? defaultJobManagerReader(config, deps.clock)
  const log = deps.logger.child({ component: 'collector', collector: config.id, type: 'kubernetes' })
  const logOnce = onChange()
  const payloadErrors = platformErrorCounter(deps.registry)
  const tmIncidents = new TaskManagerIncidents(config.id, deps.clock.now())
  const namespaces: Namespace[] = config.namespaces.length > 0 ? config.namespaces : config.inCluster && client.ownNamespace ? [client.ownNamespace] : [null]
  const restCheckpoints = new Map<string, { stats: CheckpointStats; at: number }>()
  let closed = false

  const warn: Warn = (warnings, err, key, context) => {
    const message = `${context}: ${errorMessage(err)}`
    const reason = reasonOf(err)
    warnings.push({ reason, message })
    if (reason === 'decode') payloadErrors?.inc({ platform: 'kubernetes', resource: key.split(':')[0] ?? key })
    logOnce(key, message, () => log.warn({ err }, message))
  }
  const inventory = new KubeInventory({ api, log, warn, nativeLabelSelector: config.nativeLabelSelector, tmIncidents })
  const watches = new TaskManagerWatches({
    clusterId: config.id,
    client,
    api,
    clock: deps.clock,
    log,
    logOnce,
    tmIncidents,
    leaseMs: Math.max(3 * config.pollInterval, 30_000),
    watchErrors: watchErrorCounter(deps.registry),
    payloadErrors,
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.onWatchNotice ? { onNotice: deps.onWatchNotice } : {}),
  })

  const restBase = (namespace: string, name: string): string =>
    config.restAccess === 'proxy' ? `${client.baseUrl}${serviceProxyPath(namespace, name)}` : `http://${name}-rest.${namespace}.svc:8081`

  /** Reads every target's JobManager (bounded concurrency); one that does not answer is a warning. */
  async function readJobManagers(targets: readonly FlinkTargetCluster[], warnings: CollectorWarning[], signal: AbortSignal): Promise<{ views: Map<string, JobManagerView>; requests: number }> {
    const queue = new PQueue({ concurrency: config.concurrency })
    const views = new Map<string, JobManagerView>()
    let requests = 0
    await Promise.all(
      targets.map((t) =>
        queue.add(async () => {
          const key = `${t.namespace}/${t.name}`
          try {
            const view = await readFlink({ baseUrl: restBase(t.namespace, t.name), clusterId: config.id, upstream: `JobManager of ${t.kind === 'native' ? 'native cluster' : 'FlinkDeployment'} ${key}`, transport: config.restAccess === 'proxy' ? client.transport : undefined }, signal)
            views.set(key, view)
            requests += view.requests ?? 0
            for (const w of view.warnings ?? []) warnings.push({ ...w, message: `${key}: ${w.message}` })
          } catch (err) {
            if (signal.aborted) throw err
            warn(warnings, err, `jobmanager:${key}`, `JobManager of ${key} could not be read`)
          }
        }),
      ),
    )
    return { views, requests }
  }

  return {
    clusterId: config.id,
    type: 'kubernetes',
    async collect(signal) {
      const now = deps.clock.now()
      const warnings: CollectorWarning[] = []
      const incidents: ClusterIncident[] = []
      const inv = await inventory.read(namespaces, now, warnings, incidents, signal)
      const { deployments } = inv
      const targets = flinkTargets(deployments, inv.jmPods)
      const { views, requests } = await readJobManagers(targets, warnings, signal)
      const jobs = assembleJobs({ clusterId: config.id, now, deployments, sessionJobs: inv.sessionJobs, stateSnapshots: inv.stateSnapshots, targets, views, restBase, restCheckpoints, warn, warnings })

      for (const p of inv.tmPods) incidents.push(...tmIncidents.fromPod(p, now, (ns, app) => jobNameOf(deployments, ns, app)))
      tmIncidents.prune(now)

      // What the pod watch saw since the last poll (pods already gone included), then keep it running.
      watches.drain(deployments, incidents, warnings)
      if (deps.watchPods !== false && !closed && !signal.aborted) watches.keep(namespaces, inv.tmListVersion)

      const all = [...jobs.values()]
      const vs = [...views.values()]
      const versions = new Set([...vs.map((v) => v.version), ...deployments.map((d) => d.status?.clusterInfo?.['flink-version'] ?? null)].filter((v): v is string => !!v))
      return {
        cluster: {
          id: config.id,
          type: 'kubernetes',
          version: versions.size === 1 ? [...versions][0]! : null,
          taskManagers: vs.reduce((n, v) => n + v.taskManagers, 0),
          slots: { total: vs.reduce((n, v) => n + v.slots.total, 0), available: vs.reduce((n, v) => n + v.slots.available, 0) },
          jobs: { total: all.length, running: all.filter((j) => j.state === 'RUNNING').length },
          jobManagerUrl: targets.length === 1 ? restBase(targets[0]!.namespace, targets[0]!.name) : null,
          webUiUrl: config.webUiUrl ?? null,
        },
        jobs: all,
        incidents,
        warnings,
        requests: inv.requests + requests,
        at: now,
      } satisfies ClusterSnapshot
    },
    async close() {
      closed = true
      await watches.close()
      client.close()
    },
  }
}

/** Re-exported for tests: the operator's `status.error` in words. */
export { operatorError } from './kube-jobs.js'
