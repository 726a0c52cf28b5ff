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
 * The cluster-level probe is listing FlinkDeployments (or, when the operator CRDs are not installed,
 * the native JobManager pods): if that fails the poll fails.
 */
import PQueue from 'p-queue'
import { Counter, type Registry } from 'prom-client'
import type { Clock, TimerHandle } from '../../src/core/clock.js'
import { DecodeError, UpstreamError, errorMessage } from '../../src/core/errors.js'
import { onChange, type Logger } from '../../src/core/logger.js'
import type { KubernetesClusterConfig } from '../../src/config/sections/clusters.js'
import type { ClusterIncident, ClusterSnapshot, CollectorErrorReason, CollectorWarning } from '../../src/model/cluster.js'
import { platformOnlyJob, toJobState, type CheckpointStats, type JobPlatformRef, type JobSnapshot } from '../../src/model/job.js'
import type { Collector } from '../collector.js'
import { reasonOf } from '../flink/flink-rest-client.js'
import { defaultJobManagerReader, type JobManagerRead, type JobManagerView } from '../yarn/flink-read.js'
import { platformErrorCounter } from '../yarn/platform-metrics.js'
import { createKubeApi, serviceProxyPath, type Listed, type Namespace } from './kube-api.js'
import { createKubeClient, type KubeClient, type KubeClientOptions } from './kube-client.js'
import type { FlinkDeploymentDto, FlinkSessionJobDto, FlinkStateSnapshotDto, JobStatusDto, PodDto } from './kube-types.js'
import { NO_SNAPSHOTS, combine, fromJobStatus, fromStateSnapshots, mergeCheckpoints, resourceKey, type OperatorSnapshots } from './operator-checkpoints.js'
import { PodWatch, nsName, type WatchErrorReason, type WatchNotice } from './pod-watch.js'
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
  /** Watch TaskManager pods between polls (default true). */
  watchPods?: boolean
  /** Watch progress (tests, debugging). */
  onWatchNotice?: (n: WatchNotice) => void
  /** Jitter source of the watch backoff (tests). */
  random?: () => number
}

const TM_SELECTOR = 'component=taskmanager'
/** Incidents and warnings the watch found, waiting for the next poll; beyond this they are dropped. */
const MAX_PENDING = 1000
/** How long REST checkpoint figures of a job are kept for polls that cannot read its JobManager. */
const KEEP_REST_CHECKPOINTS_MS = 3_600_000
/** After a 404 for FlinkStateSnapshots (operator < 1.10), ask again this much later. */
const SNAPSHOT_CRD_RECHECK_MS = 3_600_000

const WATCH_ERRORS = 'flinkwatch_kubernetes_pod_watch_errors_total'
function watchErrorCounter(registry: Registry | undefined): Counter<'cluster' | 'reason'> | undefined {
  if (!registry) return undefined
  const existing = registry.getSingleMetric(WATCH_ERRORS)
  if (existing) return existing as Counter<'cluster' | 'reason'>
  return new Counter({ name: WATCH_ERRORS, help: 'Kubernetes TaskManager pod watch failures (the watch backs off and resumes; gone = 410, re-listed)', labelNames: ['cluster', 'reason'], registers: [registry] })
}

const WARNING_REASON: Record<WatchErrorReason, CollectorErrorReason> = {
  gone: 'other',
  connect: 'connect',
  timeout: 'timeout',
  http_4xx: 'http_4xx',
  http_5xx: 'http_5xx',
  decode: 'decode',
  error_event: 'other',
  other: 'other',
}

interface FlinkTargetCluster {
  namespace: string
  name: string
  kind: 'FlinkDeployment' | 'native'
  deployment?: FlinkDeploymentDto
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
  let crdsMissingLogged = false
  let snapshotCrdMissingUntil = 0

  // Pod watch state: the last deployments (for job names), what the watch found since the last poll,
  // and a lease that polls renew: the fleet has no collector close() on shutdown, so a watch that no
  // poll asked for in three intervals stops by itself (the next poll starts it again).
  const watchErrors = watchErrorCounter(deps.registry)
  const watches = new Map<Namespace, PodWatch>()
  const pendingIncidents: ClusterIncident[] = []
  const pendingWarnings: CollectorWarning[] = []
  let droppedPending = 0
  let lastDeployments: FlinkDeploymentDto[] = []
  let lease: TimerHandle | null = null
  let closed = false
  const leaseMs = Math.max(3 * config.pollInterval, 30_000)
  const restCheckpoints = new Map<string, { stats: CheckpointStats; at: number }>()

  const pend = <T>(list: T[], items: T[]): void => {
    for (const it of items) {
      if (list.length < MAX_PENDING) list.push(it)
      else droppedPending++
    }
  }
  const watchFor = (n: Namespace): PodWatch => {
    let w = watches.get(n)
    if (!w) {
      w = new PodWatch({
        client,
        api,
        clock: deps.clock,
        namespace: n,
        labelSelector: TM_SELECTOR,
        ...(deps.random ? { random: deps.random } : {}),
        onPod: (_type, pod) => pend(pendingIncidents, tmIncidents.fromPod(pod, deps.clock.now(), (ns, app) => jobNameOf(lastDeployments, ns, app))),
        onError: (reason, err) => {
          watchErrors?.inc({ cluster: config.id, reason })
          if (reason === 'decode') payloadErrors?.inc({ platform: 'kubernetes', resource: 'pods' })
          const message = `pod watch of ${nsName(n)}: ${errorMessage(err)}`
          if (reason === 'gone') return void log.debug(message)
          pend(pendingWarnings, [{ reason: WARNING_REASON[reason], message }])
          logOnce(`watch:${n ?? '*'}`, message, () => log.warn({ err }, message))
        },
        ...(deps.onWatchNotice ? { onNotice: deps.onWatchNotice } : {}),
      })
      watches.set(n, w)
    }
    return w
  }
  const stopWatches = async (): Promise<void> => {
    await Promise.all([...watches.values()].map((w) => w.stop()))
  }
  const renewLease = (): void => {
    if (lease) deps.clock.clearTimeout(lease)
    lease = deps.clock.setTimeout(() => {
      lease = null
      log.info('no poll for a while: stopping the TaskManager pod watch until the next poll')
      void stopWatches()
    }, leaseMs)
  }

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

  /** FlinkStateSnapshots of a namespace; none (and a later re-check) when the CRD is not installed. */
  async function listStateSnapshots(n: Namespace, now: number, warnings: CollectorWarning[], signal: AbortSignal): Promise<FlinkStateSnapshotDto[]> {
    try {
      return rejected(await api.listFlinkStateSnapshots(n, signal), 'flinkstatesnapshots', warnings)
    } catch (err) {
      if (signal.aborted) throw err
      if (err instanceof UpstreamError && err.status === 404) {
        if (snapshotCrdMissingUntil === 0) log.info('flinkstatesnapshots not found: operator before 1.10, savepoints come from status.jobStatus.savepointInfo only')
        snapshotCrdMissingUntil = now + SNAPSHOT_CRD_RECHECK_MS
        return []
      }
      // Savepoint records are a complement: their failure never fails the probe.
      warn(warnings, err, `flinkstatesnapshots:${n ?? '*'}`, `FlinkStateSnapshots of ${nsName(n)} unreadable`)
      return []
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
      const stateSnapshots: FlinkStateSnapshotDto[] = []
      const jmPods: PodDto[] = []
      const tmPods: PodDto[] = []
      const tmListVersion = new Map<Namespace, string | null>()
      for (const n of namespaces) {
        requests += 4
        const fd = await listCrs(() => api.listFlinkDeployments(n, signal), 'flinkdeployments', warnings)
        deployments.push(...(fd ?? []))
        if (fd !== null) sessionJobs.push(...((await listCrs(() => api.listFlinkSessionJobs(n, signal), 'flinksessionjobs', warnings)) ?? []))
        if (fd !== null && now >= snapshotCrdMissingUntil) {
          requests++
          stateSnapshots.push(...(await listStateSnapshots(n, now, warnings, signal)))
        }
        jmPods.push(...rejected(await api.listPods(n, `${config.nativeLabelSelector},component=jobmanager`, signal), 'pods', warnings))
        const tm = await api.listPods(n, TM_SELECTOR, signal)
        tmListVersion.set(n, tm.resourceVersion)
        tmPods.push(...rejected(tm, 'pods', warnings))
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

      // Jobs: from the JobManager when it answered, else from the operator's status. Checkpoints: the
      // JobManager's, completed by the operator's savepoints (and its checkpoints when REST is missing).
      const jobs = new Map<string, JobSnapshot>()
      const sessionJobById = new Map<string, FlinkSessionJobDto>()
      for (const sj of sessionJobs) if (sj.status?.jobStatus?.jobId) sessionJobById.set(sj.status.jobStatus.jobId, sj)
      const bySnapshotCr = fromStateSnapshots(stateSnapshots)
      const operatorSnapshots = (kind: 'FlinkDeployment' | 'FlinkSessionJob', namespace: string, name: string, s: JobStatusDto | null | undefined): OperatorSnapshots => {
        const odd: string[] = []
        const fromStatus = fromJobStatus(s, odd)
        for (const r of odd) warn(warnings, new DecodeError(`${kind} ${namespace}/${name} status.jobStatus.savepointInfo.${r} skipped: not a Savepoint`), `${kind.toLowerCase()}s:${namespace}/${name}:${r}`, 'savepoint history entry skipped')
        return combine(fromStatus, bySnapshotCr.get(resourceKey(kind, namespace, name)))
      }
      const withCheckpoints = (j: JobSnapshot, op: OperatorSnapshots, fromRest: boolean): JobSnapshot => {
        if (fromRest && j.checkpoints) restCheckpoints.set(j.jobId, { stats: j.checkpoints, at: now })
        const checkpoints = mergeCheckpoints(j.checkpoints, op, fromRest ? null : (restCheckpoints.get(j.jobId)?.stats ?? null))
        return checkpoints === j.checkpoints ? j : { ...j, checkpoints }
      }
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
        // Application deployments own their savepoints; a session deployment has no job of its own.
        const deploymentOp = d.spec?.job ? operatorSnapshots('FlinkDeployment', namespace, d.metadata.name, d.status?.jobStatus) : NO_SNAPSHOTS
        if (view) {
          for (const j of view.jobs) {
            const sj = sessionJobById.get(j.jobId)
            const op = sj ? operatorSnapshots('FlinkSessionJob', sj.metadata.namespace ?? 'default', sj.metadata.name, sj.status?.jobStatus) : deploymentOp
            jobs.set(j.jobId, withCheckpoints({ ...j, platform: sj ? sessionJobRef(sj, d.metadata.name, ref.jobManagerUrl ?? null) : ref }, op, true))
          }
        } else if (d.spec?.job) {
          const j = jobFromStatus(config.id, d.status?.jobStatus, ref)
          if (j) jobs.set(j.jobId, withCheckpoints(j, deploymentOp, false))
        }
      }
      for (const sj of sessionJobs) {
        const id = sj.status?.jobStatus?.jobId
        if (!id || jobs.has(id)) continue
        const namespace = sj.metadata.namespace ?? 'default'
        const deployment = sj.spec?.deploymentName ?? ''
        const j = jobFromStatus(config.id, sj.status?.jobStatus, sessionJobRef(sj, deployment, restBase(namespace, deployment)))
        if (j) jobs.set(j.jobId, withCheckpoints(j, operatorSnapshots('FlinkSessionJob', namespace, sj.metadata.name, sj.status?.jobStatus), false))
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
      for (const [id, e] of restCheckpoints) if (now - e.at > KEEP_REST_CHECKPOINTS_MS) restCheckpoints.delete(id)

      // What the pod watch saw since the last poll (pods already gone included), then keep it running.
      lastDeployments = deployments
      incidents.push(...pendingIncidents.splice(0))
      warnings.push(...pendingWarnings.splice(0))
      if (droppedPending > 0) {
        warnings.push({ reason: 'other', message: `pod watch: ${droppedPending} incident(s) or warning(s) dropped: more than ${MAX_PENDING} waited for a poll` })
        droppedPending = 0
      }
      if (deps.watchPods !== false && !closed && !signal.aborted) {
        renewLease()
        for (const n of namespaces) {
          const w = watchFor(n)
          if (!w.running) w.start(tmListVersion.get(n) ?? null)
        }
      }

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
      closed = true
      if (lease) deps.clock.clearTimeout(lease)
      lease = null
      await stopWatches()
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
