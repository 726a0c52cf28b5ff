/**
 * What one Kubernetes poll lists, namespace by namespace: Flink custom resources, FlinkStateSnapshots,
 * JobManager and TaskManager pods, and Warning events (which become TaskManager incidents). A 404 for
 * the operator's CRDs means native clusters only; a 404 for FlinkStateSnapshots (operator < 1.10) is
 * asked again an hour later.
 */
import type { Logger } from '../../src/core/logger.js'
import { DecodeError, UpstreamError } from '../../src/core/errors.js'
import type { ClusterIncident, CollectorWarning } from '../../src/model/cluster.js'
import type { KubeApi, Listed, Namespace } from './kube-api.js'
import type { FlinkDeploymentDto, FlinkSessionJobDto, FlinkStateSnapshotDto, PodDto } from './kube-types.js'
import { nsName } from './pod-watch.js'
import type { TaskManagerIncidents } from './taskmanager-incidents.js'

export const TM_SELECTOR = 'component=taskmanager'
/** After a 404 for FlinkStateSnapshots (operator < 1.10), ask again this much later. */
const SNAPSHOT_CRD_RECHECK_MS = 3_600_000

/** Records a warning of this poll (and logs it once per key). */
export type Warn = (warnings: CollectorWarning[], err: unknown, key: string, context: string) => void

export interface Inventory {
  deployments: FlinkDeploymentDto[]
  sessionJobs: FlinkSessionJobDto[]
  stateSnapshots: FlinkStateSnapshotDto[]
  jmPods: PodDto[]
  tmPods: PodDto[]
  /** Where a TaskManager pod watch of each namespace starts. */
  tmListVersion: Map<Namespace, string | null>
  requests: number
}

export class KubeInventory {
  private crdsMissingLogged = false
  private snapshotCrdMissingUntil = 0

  constructor(
    private readonly o: {
      api: KubeApi
      log: Logger
      warn: Warn
      nativeLabelSelector: string
      tmIncidents: TaskManagerIncidents
    },
  ) {}

  /** Lists every namespace; Warning events become `incidents`, skipped entries `warnings`. */
  async read(namespaces: readonly Namespace[], now: number, warnings: CollectorWarning[], incidents: ClusterIncident[], signal: AbortSignal): Promise<Inventory> {
    const { api } = this.o
    const inv: Inventory = { deployments: [], sessionJobs: [], stateSnapshots: [], jmPods: [], tmPods: [], tmListVersion: new Map(), requests: 0 }
    const { deployments } = inv
    for (const n of namespaces) {
      inv.requests += 4
      const fd = await this.listCrs(() => api.listFlinkDeployments(n, signal), 'flinkdeployments', warnings)
      deployments.push(...(fd ?? []))
      if (fd !== null) inv.sessionJobs.push(...((await this.listCrs(() => api.listFlinkSessionJobs(n, signal), 'flinksessionjobs', warnings)) ?? []))
      if (fd !== null && now >= this.snapshotCrdMissingUntil) {
        inv.requests++
        inv.stateSnapshots.push(...(await this.listStateSnapshots(n, now, warnings, signal)))
      }
      inv.jmPods.push(...this.rejected(await api.listPods(n, `${this.o.nativeLabelSelector},component=jobmanager`, signal), 'pods', warnings))
      const tm = await api.listPods(n, TM_SELECTOR, signal)
      inv.tmListVersion.set(n, tm.resourceVersion)
      inv.tmPods.push(...this.rejected(tm, 'pods', warnings))
      try {
        inv.requests++
        const events = this.rejected(await api.listEvents(n, 'involvedObject.kind=Pod,type=Warning', signal), 'events', warnings)
        for (const ev of events) incidents.push(...this.o.tmIncidents.fromEvent(ev, now, (ns, app) => jobNameOf(deployments, ns, app)))
      } catch (err) {
        if (signal.aborted) throw err
        this.o.warn(warnings, err, `events:${n ?? '*'}`, `events of namespace ${n ?? '(all)'} unreadable`)
      }
    }
    return inv
  }

  rejected<T>(l: Listed<T>, resource: string, warnings: CollectorWarning[]): T[] {
    for (const r of l.rejected) this.o.warn(warnings, new DecodeError(r), `${resource}:${r}`, `${resource} skipped`)
    return l.items
  }

  /** Lists a Flink CR kind; a 404 means the operator CRDs are not installed (native clusters only). */
  private async listCrs<T>(fn: () => Promise<Listed<T>>, resource: string, warnings: CollectorWarning[]): Promise<T[] | null> {
    try {
      return this.rejected(await fn(), resource, warnings)
    } catch (err) {
      if (err instanceof UpstreamError && err.status === 404) {
        if (!this.crdsMissingLogged) this.o.log.info(`${resource} not found: the Flink Kubernetes Operator CRDs are not installed; watching native clusters only`)
        this.crdsMissingLogged = true
        return null
      }
      throw err
    }
  }

  /** FlinkStateSnapshots of a namespace; none (and a later re-check) when the CRD is not installed. */
  private async listStateSnapshots(n: Namespace, now: number, warnings: CollectorWarning[], signal: AbortSignal): Promise<FlinkStateSnapshotDto[]> {
    try {
      return this.rejected(await this.o.api.listFlinkStateSnapshots(n, signal), 'flinkstatesnapshots', warnings)
    } catch (err) {
      if (signal.aborted) throw err
      if (err instanceof UpstreamError && err.status === 404) {
        if (this.snapshotCrdMissingUntil === 0) this.o.log.info('flinkstatesnapshots not found: operator before 1.10, savepoints come from status.jobStatus.savepointInfo only')
        this.snapshotCrdMissingUntil = now + SNAPSHOT_CRD_RECHECK_MS
        return []
      }
      // Savepoint records are a complement: their failure never fails the probe.
      this.o.warn(warnings, err, `flinkstatesnapshots:${n ?? '*'}`, `FlinkStateSnapshots of ${nsName(n)} unreadable`)
      return []
    }
  }
}

export interface FlinkTargetCluster {
  namespace: string
  name: string
  kind: 'FlinkDeployment' | 'native'
  deployment?: FlinkDeploymentDto
}

/** Flink clusters to read: operator deployments with a ready JobManager, and native clusters (running JobManager pods no deployment owns). */
export function flinkTargets(deployments: readonly FlinkDeploymentDto[], jmPods: readonly PodDto[]): FlinkTargetCluster[] {
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
  return targets
}

/** The job name of a deployment's pods (`app` label), for TaskManager incidents. */
export function jobNameOf(deployments: FlinkDeploymentDto[], namespace: string, app: string): string | undefined {
  const d = deployments.find((x) => x.metadata.name === app && (x.metadata.namespace ?? 'default') === namespace)
  return d?.status?.jobStatus?.jobName ?? undefined
}
