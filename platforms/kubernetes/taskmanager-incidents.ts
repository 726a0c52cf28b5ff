/**
 * TaskManager pods that died: OOMKilled, evicted, or terminated with an error. Flink's ResourceManager
 * deletes a dead TaskManager pod and asks for a new one (restartPolicy Never), so `restartCount` never
 * grows; the signals are the pod's container termination state while it still exists and the Warning
 * events (which outlive the pod). Each incident is reported once: deduplicated by pod uid plus the
 * termination time (or the eviction), whichever of pod status and event shows it first.
 */
import type { ClusterIncident } from '../../src/model/cluster.js'
import type { EventDto, PodDto, TerminatedDto } from './kube-types.js'

/** Terminations older than this before the collector started are history, not news. */
const LOOKBACK_MS = 10 * 60_000
/** Keys are remembered longer than Kubernetes keeps events (1 h by default). */
const REMEMBER_MS = 3 * 3_600_000

const TM_NAME = /^(.+)-taskmanager-\d+-\d+$/

export class TaskManagerIncidents {
  private readonly seen = new Map<string, number>()

  constructor(
    private readonly cluster: string,
    /** When the collector started (epoch ms). */
    private readonly since: number,
  ) {}

  /** Incidents a TaskManager pod's status shows that were not reported yet. */
  fromPod(pod: PodDto, now: number, jobName: (namespace: string, app: string) => string | undefined): ClusterIncident[] {
    const namespace = pod.metadata.namespace ?? 'default'
    const app = pod.metadata.labels?.['app'] ?? TM_NAME.exec(pod.metadata.name)?.[1] ?? pod.metadata.name
    const uid = pod.metadata.uid ?? `${namespace}/${pod.metadata.name}`
    const subject = `${namespace}/${pod.metadata.name}`
    const name = jobName(namespace, app)
    const out: ClusterIncident[] = []
    const terminations = (pod.status?.containerStatuses ?? []).flatMap((c) =>
      [c.state?.terminated, c.lastState?.terminated].filter((t): t is TerminatedDto => !!t).map((t) => ({ container: c.name, t })),
    )
    if (pod.status?.reason === 'Evicted') {
      const at = latest(terminations.map((x) => x.t.finishedAt)) ?? now
      this.add(out, now, `${uid}:evicted`, at, {
        kind: 'taskmanager-evicted',
        cluster: this.cluster,
        subject,
        message: `TaskManager pod ${subject} of ${app} was evicted: ${pod.status.message ?? 'no message'}`,
        at,
        ...(name ? { jobName: name } : {}),
      })
      return out
    }
    for (const { container, t } of terminations) {
      const at = parseTime(t.finishedAt) ?? now
      if (t.reason === 'OOMKilled') {
        this.add(out, now, `${uid}:${t.finishedAt ?? 'oom'}`, at, {
          kind: 'taskmanager-oom-killed',
          cluster: this.cluster,
          subject,
          message: `TaskManager pod ${subject} of ${app} was OOMKilled (container ${container}, exit code ${t.exitCode}): the process exceeded the container memory limit (off-heap, RocksDB or JVM overhead)`,
          at,
          ...(name ? { jobName: name } : {}),
        })
      } else if (t.exitCode !== 0) {
        this.add(out, now, `${uid}:${t.finishedAt ?? 'exit'}`, at, {
          kind: 'taskmanager-lost',
          cluster: this.cluster,
          subject,
          message: `TaskManager pod ${subject} of ${app} terminated: ${t.reason ?? 'Error'} (container ${container}, exit code ${t.exitCode}${t.exitCode === 239 ? ', a fatal error in a Flink thread' : ''})${t.message ? `: ${t.message.split('\n')[0]!.slice(0, 200)}` : ''}`,
          at,
          ...(name ? { jobName: name } : {}),
        })
      }
    }
    return out
  }

  /** Incidents from Warning events on TaskManager pods (the pod may already be gone). */
  fromEvent(ev: EventDto, now: number, jobName: (namespace: string, app: string) => string | undefined): ClusterIncident[] {
    if (ev.involvedObject.kind !== 'Pod' || !ev.involvedObject.name) return []
    const m = TM_NAME.exec(ev.involvedObject.name)
    if (!m) return []
    const namespace = ev.involvedObject.namespace ?? ev.metadata.namespace ?? 'default'
    const app = m[1]!
    const subject = `${namespace}/${ev.involvedObject.name}`
    const uid = ev.involvedObject.uid ?? subject
    const at = parseTime(ev.lastTimestamp) ?? parseTime(ev.eventTime) ?? parseTime(ev.firstTimestamp) ?? now
    const name = jobName(namespace, app)
    const out: ClusterIncident[] = []
    if (ev.reason === 'Evicted') {
      this.add(out, now, `${uid}:evicted`, at, { kind: 'taskmanager-evicted', cluster: this.cluster, subject, message: `TaskManager pod ${subject} of ${app} was evicted: ${ev.message ?? 'no message'}`, at, ...(name ? { jobName: name } : {}) })
    } else if (ev.reason === 'OOMKilled' || ev.reason === 'OOMKilling') {
      this.add(out, now, `${uid}:event-oom`, at, { kind: 'taskmanager-oom-killed', cluster: this.cluster, subject, message: `TaskManager pod ${subject} of ${app} was OOMKilled: ${ev.message ?? 'no message'}`, at, ...(name ? { jobName: name } : {}) })
    }
    return out
  }

  /** Forgets keys older than any event Kubernetes still keeps. */
  prune(now: number): void {
    for (const [k, t] of this.seen) if (now - t > REMEMBER_MS) this.seen.delete(k)
  }

  private add(out: ClusterIncident[], now: number, key: string, at: number, incident: ClusterIncident): void {
    if (this.seen.has(key)) return
    this.seen.set(key, now)
    if (at < this.since - LOOKBACK_MS) return
    out.push(incident)
  }
}

function parseTime(s: string | null | undefined): number | null {
  if (!s) return null
  const t = Date.parse(s)
  return Number.isNaN(t) ? null : t
}

function latest(times: (string | null | undefined)[]): number | null {
  const ts = times.map(parseTime).filter((t): t is number => t !== null)
  return ts.length ? Math.max(...ts) : null
}
