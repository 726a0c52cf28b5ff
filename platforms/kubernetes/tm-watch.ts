/**
 * The TaskManager pod watches of one Kubernetes cluster, between polls: what they found waits for the
 * next poll (bounded), and a lease that polls renew stops them when no poll asked in three intervals
 * (the fleet has no collector close() on shutdown; the next poll starts them again).
 */
import type { Counter } from 'prom-client'
import type { Clock, TimerHandle } from '../../src/core/clock.js'
import { errorMessage } from '../../src/core/errors.js'
import type { Logger } from '../../src/core/logger.js'
import type { ClusterIncident, CollectorErrorReason, CollectorWarning } from '../../src/model/cluster.js'
import { TM_SELECTOR, jobNameOf } from './kube-inventory.js'
import type { KubeApi, Namespace } from './kube-api.js'
import type { KubeClient } from './kube-client.js'
import type { FlinkDeploymentDto } from './kube-types.js'
import { PodWatch, nsName, type WatchErrorReason, type WatchNotice } from './pod-watch.js'
import type { TaskManagerIncidents } from './taskmanager-incidents.js'

/** Incidents and warnings the watch found, waiting for the next poll; beyond this they are dropped. */
export const MAX_PENDING = 1000

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

export interface TaskManagerWatchOptions {
  clusterId: string
  client: KubeClient
  api: KubeApi
  clock: Clock
  log: Logger
  logOnce(key: string, message: string, log: () => void): void
  tmIncidents: TaskManagerIncidents
  leaseMs: number
  watchErrors?: Counter<'cluster' | 'reason'> | undefined
  payloadErrors?: Counter<'platform' | 'resource'> | undefined
  random?: () => number
  onNotice?: (n: WatchNotice) => void
}

export class TaskManagerWatches {
  private readonly watches = new Map<Namespace, PodWatch>()
  private readonly pendingIncidents: ClusterIncident[] = []
  private readonly pendingWarnings: CollectorWarning[] = []
  private droppedPending = 0
  /** The deployments of the last poll (for job names of pods the watch sees). */
  private lastDeployments: FlinkDeploymentDto[] = []
  private lease: TimerHandle | null = null

  constructor(private readonly o: TaskManagerWatchOptions) {}

  /** What the watches saw since the last poll (pods already gone included), moved into the poll's lists. */
  drain(deployments: FlinkDeploymentDto[], incidents: ClusterIncident[], warnings: CollectorWarning[]): void {
    this.lastDeployments = deployments
    incidents.push(...this.pendingIncidents.splice(0))
    warnings.push(...this.pendingWarnings.splice(0))
    if (this.droppedPending > 0) {
      warnings.push({ reason: 'other', message: `pod watch: ${this.droppedPending} incident(s) or warning(s) dropped: more than ${MAX_PENDING} waited for a poll` })
      this.droppedPending = 0
    }
  }

  /** Renews the lease and starts the watch of every namespace that is not running, from its list version. */
  keep(namespaces: readonly Namespace[], listVersion: ReadonlyMap<Namespace, string | null>): void {
    this.renewLease()
    for (const n of namespaces) {
      const w = this.watchFor(n)
      if (!w.running) w.start(listVersion.get(n) ?? null)
    }
  }

  async close(): Promise<void> {
    if (this.lease) this.o.clock.clearTimeout(this.lease)
    this.lease = null
    await this.stopAll()
  }

  private pend<T>(list: T[], items: T[]): void {
    for (const it of items) {
      if (list.length < MAX_PENDING) list.push(it)
      else this.droppedPending++
    }
  }

  private watchFor(n: Namespace): PodWatch {
    let w = this.watches.get(n)
    if (!w) {
      const o = this.o
      w = new PodWatch({
        client: o.client,
        api: o.api,
        clock: o.clock,
        namespace: n,
        labelSelector: TM_SELECTOR,
        ...(o.random ? { random: o.random } : {}),
        onPod: (_type, pod) => this.pend(this.pendingIncidents, o.tmIncidents.fromPod(pod, o.clock.now(), (ns, app) => jobNameOf(this.lastDeployments, ns, app))),
        onError: (reason, err) => {
          o.watchErrors?.inc({ cluster: o.clusterId, reason })
          if (reason === 'decode') o.payloadErrors?.inc({ platform: 'kubernetes', resource: 'pods' })
          const message = `pod watch of ${nsName(n)}: ${errorMessage(err)}`
          if (reason === 'gone') return void o.log.debug(message)
          this.pend(this.pendingWarnings, [{ reason: WARNING_REASON[reason], message }])
          o.logOnce(`watch:${n ?? '*'}`, message, () => o.log.warn({ err }, message))
        },
        ...(o.onNotice ? { onNotice: o.onNotice } : {}),
      })
      this.watches.set(n, w)
    }
    return w
  }

  private async stopAll(): Promise<void> {
    await Promise.all([...this.watches.values()].map((w) => w.stop()))
  }

  private renewLease(): void {
    if (this.lease) this.o.clock.clearTimeout(this.lease)
    this.lease = this.o.clock.setTimeout(() => {
      this.lease = null
      this.o.log.info('no poll for a while: stopping the TaskManager pod watch until the next poll')
      void this.stopAll()
    }, this.o.leaseMs)
  }
}
