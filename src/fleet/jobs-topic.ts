import { systemClock, type Clock } from '../core/clock.js'
import type { EventBus } from '../core/event-bus.js'
import { BadRequestError } from '../core/errors.js'
import type { ClusterStatus } from '../model/cluster.js'
import type { JobSnapshot } from '../model/job.js'
import type { StreamMessage, StreamTopic } from '../stream/stream-hub.js'
import type { FleetView } from './fleet-view.js'
import { jobSummary, type JobSummary } from './job-summary.js'
import type { FleetTrends } from './job-trends.js'

type Push = (msg: StreamMessage) => void
interface Subscriber {
  cluster: string | undefined
  job: string | undefined
  push: Push
}

/**
 * WebSocket topic `jobs`:
 * - `{type: 'transition', data: JobTransition}` for every job transition;
 * - `{type: 'updates', data: {jobs: JobSummary[]}}` after each cluster poll, with the summaries of the jobs
 *   whose snapshot changed (collectors reuse a snapshot object while nothing changed, so "changed" is one
 *   identity check per job), computed once per poll for every subscriber;
 * - `{type: 'cluster', data: Cluster}` when a cluster's status, TaskManagers, slots or job counts change.
 * Optional filters: `cluster=<id>` and `job=<jobId>`.
 */
export function jobsTopic(bus: EventBus, view: FleetView & Partial<FleetTrends>, clock: Clock = systemClock): StreamTopic {
  const subscribers = new Set<Subscriber>()
  /** Per cluster, the snapshot object last announced per job id. */
  let announced = new Map<string, Map<string, JobSnapshot>>()
  const clusterSeen = new Map<string, string>()
  let detach: (() => void) | null = null

  const send = (cluster: string, jobs: JobSummary[]): void => {
    for (const s of subscribers) {
      if (s.cluster !== undefined && s.cluster !== cluster) continue
      const mine = s.job === undefined ? jobs : jobs.filter((j) => j.jobId === s.job)
      if (mine.length > 0) s.push({ topic: 'jobs', type: 'updates', data: { jobs: mine } })
    }
  }
  const sendCluster = (status: ClusterStatus): void => {
    // What the fleet table shows of a cluster; lastSeen moves every poll and is not a change.
    const key = JSON.stringify([status.status, status.version, status.taskManagers, status.slots, status.jobs, status.lastError])
    if (clusterSeen.get(status.id) === key) return
    clusterSeen.set(status.id, key)
    for (const s of subscribers) if (s.cluster === undefined || s.cluster === status.id) s.push({ topic: 'jobs', type: 'cluster', data: status })
  }
  const start = (): void => {
    const offUpdated = bus.subscribe('fleet.updated', (ev) => {
      const before = announced.get(ev.cluster)
      const now = clock.now()
      const next = new Map<string, JobSnapshot>()
      const changed: JobSummary[] = []
      for (const j of ev.jobs) {
        next.set(j.jobId, j)
        if (before?.get(j.jobId) !== j) changed.push(jobSummary(j, now, view))
      }
      announced.set(ev.cluster, next)
      if (changed.length > 0) send(ev.cluster, changed)
      const c = view.cluster(ev.cluster)
      if (c) sendCluster(c)
    })
    const offStatus = bus.subscribe('cluster.status', (ev) => sendCluster(ev.status))
    const offTransition = bus.subscribe('job.transition', ({ transition }) => {
      for (const s of subscribers) {
        if (s.cluster !== undefined && transition.cluster !== s.cluster) continue
        if (s.job !== undefined && transition.jobId !== s.job) continue
        s.push({ topic: 'jobs', type: 'transition', data: transition })
      }
    })
    detach = () => {
      offUpdated()
      offStatus()
      offTransition()
    }
  }

  return {
    name: 'jobs',
    subscribe(params, push) {
      const cluster = params['cluster']
      const job = params['job']
      if (cluster !== undefined && !view.cluster(cluster)) throw new BadRequestError(`unknown cluster ${cluster} (known: ${view.clusters().map((c) => c.id).join(', ')})`)
      // The first subscriber starts the shared listeners; the first poll after it announces every job.
      if (subscribers.size === 0) {
        announced = new Map()
        clusterSeen.clear()
        for (const c of view.clusters()) clusterSeen.set(c.id, JSON.stringify([c.status, c.version, c.taskManagers, c.slots, c.jobs, c.lastError]))
        start()
      }
      const s: Subscriber = { cluster, job, push }
      subscribers.add(s)
      return () => {
        subscribers.delete(s)
        if (subscribers.size === 0) {
          detach?.()
          detach = null
        }
      }
    },
  }
}
