/**
 * One Kubernetes cluster = one flinkwatch cluster. Its jobs come from:
 * - FlinkDeployment resources of the Flink Kubernetes Operator (application and session clusters),
 * - FlinkSessionJob resources (jobs inside a session FlinkDeployment),
 * - native-mode Flink clusters without the operator, found by label (`nativeLabelSelector`),
 * each read through the shared Flink poller at `<name>-rest` (port `rest`, 8081), via the API server
 * service proxy by default. When a JobManager cannot be read, operator resources still give the job
 * state from `status.jobStatus`. TaskManager pods killed for OOM, evicted or crashed become incidents.
 *
 * The cluster-level probe is listing FlinkDeployments (or, when the operator CRDs are not installed,
 * the native JobManager pods): if that fails the poll fails.
 */
import PQueue from 'p-queue'
import type { Registry } from 'prom-client'
import type { Clock } from '../../src/core/clock.js'
import { DecodeError, UpstreamError, errorMessage } from '../../src/core/errors.js'
import { parseDuration } from '../../src/core/duration.js'
import { onChange, type Logger } from '../../src/core/logger.js'
import type { KubernetesClusterConfig } from '../../src/config/sections/clusters.js'
import type { ClusterIncident, ClusterSnapshot, CollectorWarning } from '../../src/model/cluster.js'
import { platformOnlyJob, toJobState, type JobPlatformRef, type JobSnapshot } from '../../src/model/job.js'
import type { Collector } from '../collector.js'
import { reasonOf } from '../flink/flink-rest-client.js'
import { defaultJobManagerReader, type JobManagerRead, type JobManagerView } from '../yarn/flink-read.js'
import { platformErrorCounter } from '../yarn/platform-metrics.js'
import { createKubeApi, serviceProxyPath, type Listed, type Namespace } from './kube-api.js'
import { createKubeClient, type KubeClient, type KubeClientOptions } from './kube-client.js'
import type { FlinkDeploymentDto, FlinkSessionJobDto, JobStatusDto, PodDto } from './kube-types.js'
import { TaskManagerIncidents } from './taskmanager-incidents.js'

export interface KubernetesCollectorDeps {
  clock: Clock
  logger: Logger
  registry?: Registry
  /** The shared JobManager reader (collectors/flink); built from the config when absent. */
  readFlink?: JobManagerRead
  /** A prepared client (tests); otherwise built from the config. */
  client?: KubeClient
  /** In-cluster defaults, injectable for tests. */
  env?: KubeClientOptions['env']
  serviceAccountDir?: string
}

interface FlinkTargetCluster {
  namespace: string
  name: string
  kind: 'FlinkDeployment' | 'native'
  deployment?: FlinkDeploymentDto
}

export function createKubernetesCollector(config: KubernetesClusterConfig, deps: KubernetesCollectorDeps): Collector {
  const timeoutMs = parseDuration(config.requestTimeout)
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
  let crdsMissingLogged = false

  const warn = (warnings: CollectorWarning[], err: unknown, key: string, context: string): void => {
    const message = `${context}: ${errorMessage(err)}`
    const reason = reasonOf(err)
    warnings.push({ reason, message })
    if (reason === 'decode') payloadErrors?.inc({ platform: 'kubernetes', resource: key.split(':')[0] ?? key })
    logOnce(key, message, () => log.warn({ err }, message))
  }
  const rejected = <T>(l: Listed<T>, resource: string, warnings: CollectorWarning[]): T[] => {
    for (const r of l.rejected) warn(warnings, new DecodeError(r), `${resource}:${r}`, `${resource} skipped`)
    return l.items
  }

  const restBase = (namespace: string, name: string): string =>
    config.restAccess === 'proxy' ? `${client.baseUrl}${serviceProxyPath(namespace, name)}` : `http://${name}-rest.${namespace}.svc:8081`

  /** Lists a Flink CR kind; a 404 means the operator CRDs are not installed (native clusters only). */
  async function listCrs<T>(fn: () => Promise<Listed<T>>, resource: string, warnings: CollectorWarning[]): Promise<T[] | null> {
    try {
      return rejected(await fn(), resource, warnings)
    } catch (err) {
      if (err instanceof UpstreamError && err.status === 404) {
        if (!crdsMissingLogged) log.info(`${resource} not found: the Flink Kubernetes Operator CRDs are not installed; watching native clusters only`)
        crdsMissingLogged = true
        return null
      }
      throw err
    }
  }

  return {
    clusterId: config.id,
    type: 'kubernetes',
    async collect(signal) {
      const now = deps.clock.now()
      const warnings: CollectorWarning[] = []
      const incidents: ClusterIncident[] = []
      let requests = 0

      const deployments: FlinkDeploymentDto[] = []
      const sessionJobs: FlinkSessionJobDto[] = []
      const jmPods: PodDto[] = []
      const tmPods: PodDto[] = []
      for (const n of namespaces) {
        requests += 4
        const fd = await listCrs(() => api.listFlinkDeployments(n, signal), 'flinkdeployments', warnings)
        deployments.push(...(fd ?? []))
        if (fd !== null) sessionJobs.push(...((await listCrs(() => api.listFlinkSessionJobs(n, signal), 'flinksessionjobs', warnings)) ?? []))
        jmPods.push(...rejected(await api.listPods(n, `${config.nativeLabelSelector},component=jobmanager`, signal), 'pods', warnings))
        tmPods.push(...rejected(await api.listPods(n, 'component=taskmanager', signal), 'pods', warnings))
        try {
          requests++
          const events = rejected(await api.listEvents(n, 'involvedObject.kind=Pod,type=Warning', signal), 'events', warnings)
          for (const ev of events) incidents.push(...tmIncidents.fromEvent(ev, now, (ns, app) => jobNameOf(deployments, ns, app)))
        } catch (err) {
          if (signal.aborted) throw err
          warn(warnings, err, `events:${n ?? '*'}`, `events of namespace ${n ?? '(all)'} unreadable`)
        }
      }

      // Flink clusters to read: operator deployments with a ready JobManager, and native clusters.
      const managed = new Set(deployments.map((d) => `${d.metadata.namespace}/${d.metadata.name}`))
      const targets: FlinkTargetCluster[] = deployments
        .filter((d) => d.status?.jobManagerDeploymentStatus === 'READY')
        .map((d) => ({ namespace: d.metadata.namespace ?? 'default', name: d.metadata.name, kind: 'FlinkDeployment', deployment: d }))
      const natives = new Set<string>()
      for (const p of jmPods) {
        const app = p.metadata.labels?.['app']
        const key = `${p.metadata.namespace}/${app}`
        if (!app || managed.has(key) || natives.has(key) || p.status?.phase !== 'Running') continue
        natives.add(key)
        targets.push({ namespace: p.metadata.namespace ?? 'default', name: app, kind: 'native' })
      }

      const queue = new PQueue({ concurrency: config.concurrency })
      const views = new Map<string, JobManagerView>()
      await Promise.all(
        targets.map((t) =>
          queue.add(async () => {
            const key = `${t.namespace}/${t.name}`
            try {
              const view = await readFlink({ baseUrl: restBase(t.namespace, t.name), clusterId: config.id, upstream: `JobManager of ${t.kind === 'native' ? 'native cluster' : 'FlinkDeployment'} ${key}`, fetch: config.restAccess === 'proxy' ? client.fetch : undefined }, signal)
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

      // Jobs: from the JobManager when it answered, else from the operator's status.
      const jobs = new Map<string, JobSnapshot>()
      const sessionJobById = new Map<string, FlinkSessionJobDto>()
      for (const sj of sessionJobs) if (sj.status?.jobStatus?.jobId) sessionJobById.set(sj.status.jobStatus.jobId, sj)
      for (const d of deployments) {
        const namespace = d.metadata.namespace ?? 'default'
        const key = `${namespace}/${d.metadata.name}`
        const view = views.get(key)
        const ref: JobPlatformRef = {
          kubernetes: { kind: 'FlinkDeployment', namespace, name: d.metadata.name },
          jobManagerUrl: restBase(namespace, d.metadata.name),
          platformState: [d.status?.lifecycleState, d.status?.jobManagerDeploymentStatus, d.status?.reconciliationStatus?.state].filter(Boolean).join('/'),
          platformError: operatorError(d.status?.error),
        }
        if (view) {
          for (const j of view.jobs) {
            const sj = sessionJobById.get(j.jobId)
            jobs.set(j.jobId, { ...j, platform: sj ? sessionJobRef(sj, d.metadata.name, ref.jobManagerUrl ?? null) : ref })
          }
        } else if (d.spec?.job) {
          const j = jobFromStatus(config.id, d.status?.jobStatus, ref)
          if (j) jobs.set(j.jobId, j)
        }
      }
      for (const sj of sessionJobs) {
        const id = sj.status?.jobStatus?.jobId
        if (!id || jobs.has(id)) continue
        const namespace = sj.metadata.namespace ?? 'default'
        const deployment = sj.spec?.deploymentName ?? ''
        const j = jobFromStatus(config.id, sj.status?.jobStatus, sessionJobRef(sj, deployment, restBase(namespace, deployment)))
        if (j) jobs.set(j.jobId, j)
      }
      for (const t of targets) {
        if (t.kind !== 'native') continue
        const key = `${t.namespace}/${t.name}`
        for (const j of views.get(key)?.jobs ?? []) {
          jobs.set(j.jobId, { ...j, platform: { kubernetes: { kind: 'native', namespace: t.namespace, name: t.name }, jobManagerUrl: restBase(t.namespace, t.name) } })
        }
      }

      for (const p of tmPods) incidents.push(...tmIncidents.fromPod(p, now, (ns, app) => jobNameOf(deployments, ns, app)))
      tmIncidents.prune(now)

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
        requests,
        at: now,
      } satisfies ClusterSnapshot
    },
    async close() {
      client.close()
    },
  }
}

function sessionJobRef(sj: FlinkSessionJobDto, deployment: string, jobManagerUrl: string | null): JobPlatformRef {
  return {
    kubernetes: { kind: 'FlinkSessionJob', namespace: sj.metadata.namespace ?? 'default', name: sj.metadata.name, deployment },
    jobManagerUrl,
    platformState: [sj.status?.lifecycleState, sj.status?.reconciliationStatus?.state].filter(Boolean).join('/'),
    platformError: operatorError(sj.status?.error),
  }
}

/** A job as the operator last saw it (JobManager unreachable or not deployed). */
function jobFromStatus(cluster: string, s: JobStatusDto | null | undefined, ref: JobPlatformRef): JobSnapshot | null {
  if (!s?.jobId) return null
  const start = s.startTime ? Number(s.startTime) : NaN
  return platformOnlyJob(cluster, s.jobId, s.jobName ?? s.jobId, s.state ? toJobState(s.state) : 'UNKNOWN', Number.isFinite(start) && start > 0 ? start : null, ref)
}

/** status.error is a JSON string {type, message, …} or plain text ("Job Not Found"). */
export function operatorError(raw: string | null | undefined): string | null {
  if (!raw) return null
  try {
    const j = JSON.parse(raw) as { message?: unknown; type?: unknown }
    if (typeof j.message === 'string') return (typeof j.type === 'string' ? `${j.type.split('.').pop()}: ` : '') + j.message.split('\n')[0]!.slice(0, 300)
  } catch {
    // plain text
  }
  return raw.split('\n')[0]!.slice(0, 300)
}

function jobNameOf(deployments: FlinkDeploymentDto[], namespace: string, app: string): string | undefined {
  const d = deployments.find((x) => x.metadata.name === app && (x.metadata.namespace ?? 'default') === namespace)
  return d?.status?.jobStatus?.jobName ?? undefined
}
