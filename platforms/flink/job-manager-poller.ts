/**
 * Polls one Flink JobManager and turns it into normalized job snapshots, cheaply:
 *
 * - every poll: `/overview` + `/jobs/overview` (2 requests for the whole cluster);
 * - when a job's state or `last-modification` changed (submission, restart, rescale, failure):
 *   `/jobs/:id` (vertices), `/jobs/:id/metrics?get=numRestarts`, `/jobs/:id/checkpoints`, and
 *   `/jobs/:id/exceptions` only if restarts grew or the job is failing;
 * - otherwise per running job: checkpoints every `checkpointIntervalMs`, vertex metrics
 *   (`subtasks/metrics?agg=`) every `metricsIntervalMs`;
 * - TaskManager resources once per `metricsIntervalMs` for the whole cluster;
 * - terminal jobs: one final detail fetch, then nothing.
 *
 * Flink's REST handlers for one job (`/jobs/:id`, `/jobs/:id/exceptions`) answer from an execution
 * graph cache kept for `web.refresh-interval` (3 s), while `/jobs/overview` asks the dispatcher: right
 * after a change the detail may still show the job as it was (a RUNNING job without vertices, a FAILED
 * job without its exception). Such a stale detail is not taken and is asked again next poll, for at
 * most STALE_DETAIL_TRIES polls; meanwhile a job that ended keeps showing its previous state, so that
 * FAILED is reported together with its cause.
 *
 * A failing detail request never fails the poll: the job keeps its last known detail and the
 * problem is returned as a warning. Only the two cluster-level requests decide whether the
 * JobManager answered. The YARN and Kubernetes collectors reuse this class with a client whose base
 * URL is their proxy; state is kept per job id, so a new base URL after failover keeps history.
 */
import { setMaxListeners } from 'node:events'
import type { Clock } from '../../src/core/clock.js'
import { errorMessage } from '../../src/core/errors.js'
import type { CollectorWarning } from '../../src/model/cluster.js'
import { reasonOf } from '../../src/core/http/status.js'
import { isTerminal, toJobState, type JobResources, type JobSnapshot } from '../../src/model/job.js'
import { aggregateMap, checkpointIntervalMs, decodeCheckpoints, decodeExceptions, decodeVertices, metricMap, metricNumber, restartsFromHistory, type VertexInfo } from './flink-decode.js'
import type { FlinkRestClient } from './flink-rest-client.js'
import { AggregatedMetrics, CheckpointConfig, Checkpoints, Exceptions, JobDetails, JobIds, JobsOverview, MetricList, Overview } from './flink-schemas.js'
import { jobSnapshot, vertexSnapshot } from './job-snapshot.js'
import { detailKey, phase, trackOf, type Track } from './job-track.js'
import { detailWork, isDue } from './poll-cadence.js'
import { TASK_METRICS, TASK_QUERY, discoverSourceIds, discoveryDue, emptyRetryMs, metricsQuery, sameIds } from './source-metrics.js'

export interface JobManagerPollerOptions {
  clusterId: string
  clock: Clock
  /** Minimum spacing of `/jobs/:id/checkpoints` for a job whose state did not change. */
  checkpointIntervalMs: number
  /** Minimum spacing of vertex metrics per job and of TaskManager metrics per cluster. */
  metricsIntervalMs: number
  /** Exceptions kept per job (newest first). */
  maxExceptions?: number
  /** Jobs whose change-driven detail is read per poll (default 10); the others wait for the next polls. */
  maxChangedJobsPerPoll?: number
  /** Detail requests stop being started after this long into a poll; the rest waits for the next poll. */
  detailBudgetMs?: number
}

/** The cluster-level figures of one poll. */
export interface JobManagerOverview {
  version: string | null
  taskManagers: number
  slots: { total: number; available: number }
  jobs: { total: number; running: number }
}

export interface JobManagerPoll {
  overview: JobManagerOverview
  jobs: JobSnapshot[]
  warnings: CollectorWarning[]
}

const TM_METRICS = ['Status.JVM.CPU.Load', 'Status.JVM.Memory.Heap.Used', 'Status.JVM.Memory.Heap.Max', 'Status.JVM.GarbageCollector.All.TimeMsPerSecond', 'Status.Flink.Memory.Managed.Used']
/** Flink keeps at most this many root entries (web.exception-history-size default). */
const EXCEPTION_HISTORY = 16
/** Polls a job keeps its last agreed state while its detail lags the overview (Flink's cache lives 3 s). */
const STALE_DETAIL_TRIES = 3
interface GcState {
  ids: string[] | null
  lastTotalMs: number | null
  lastAt: number | null
}

export class JobManagerPoller {
  private readonly tracks = new Map<string, Track>()
  private resources: Omit<JobResources, 'taskManagers'> | null = null
  private resourcesAt: number | null = null
  /** `resources` with the TaskManager count, shared by every job snapshot of the cluster. */
  private jobResources: JobResources | null = null
  private readonly gc: GcState = { ids: null, lastTotalMs: null, lastAt: null }
  /** Real state changes the last poll saw but left for later (over `maxChangedJobsPerPoll`). */
  private deferred = 0

  constructor(private readonly opts: JobManagerPollerOptions) {}

  /**
   * The state watch (`Collector.changed`): one `GET /jobs` against what the last poll saw. Yes when a job
   * appeared, vanished or has another status, and when the last poll left something a poll soon would
   * settle: an end held while Flink's detail cache lags, or state changes beyond that poll's share.
   */
  async changed(client: FlinkRestClient, signal: AbortSignal): Promise<boolean> {
    const list = await client.get('/jobs', JobIds, signal)
    if (this.deferred > 0) return true
    const seen = new Set<string>()
    for (const j of list.jobs) {
      if (seen.has(j.id)) continue
      seen.add(j.id)
      const t = this.tracks.get(j.id)
      if (!t || t.entry.rawState !== j.status || t.held !== null) return true
    }
    return seen.size !== this.tracks.size
  }

  /** One poll. Rejects only when `/overview` or `/jobs/overview` fails. */
  async poll(client: FlinkRestClient, signal: AbortSignal): Promise<JobManagerPoll> {
    const [ov, jobsOv] = await Promise.all([client.get('/overview', Overview, signal), client.get('/jobs/overview', JobsOverview, signal)])
    const now = this.opts.clock.now()
    const warnings: CollectorWarning[] = []
    const warn = (err: unknown, jobId?: string): void => {
      warnings.push({ reason: reasonOf(err), message: errorMessage(err), ...(jobId ? { jobId } : {}) })
    }

    const detailAbort = new AbortController()
    // The client hangs one listener per signal on it; leader-election retries sleep on it too.
    setMaxListeners(0, detailAbort.signal)
    const budget = this.opts.detailBudgetMs
    const budgetTimer = budget === undefined ? null : this.opts.clock.setTimeout(() => detailAbort.abort(new Error('detail budget of this poll used up')), budget)
    const onOuter = (): void => detailAbort.abort(signal.reason)
    signal.addEventListener('abort', onOuter, { once: true })
    const detailSignal = detailAbort.signal

    const seen = new Set<string>()
    const order: Track[] = []
    const due: Track[] = []
    const changed: Track[] = []
    for (const entry of jobsOv.jobs) {
      if (seen.has(entry.jid)) continue
      seen.add(entry.jid)
      const track = trackOf(this.tracks, entry)
      order.push(track)
      if (track.detailKey !== detailKey(track)) changed.push(track)
      else if (isDue(track, now, this.opts)) due.push(track)
    }
    const maxChanged = this.opts.maxChangedJobsPerPoll ?? 10
    const list = detailWork(changed, due, maxChanged)
    // detailWork put real changes first; first sightings of a big cluster are not hurried by the watch.
    this.deferred = changed.slice(maxChanged).filter((t) => t.detailKey !== null).length
    const work: Promise<void>[] = []
    if (this.resourcesAt === null || now - this.resourcesAt >= this.opts.metricsIntervalMs) {
      work.push(this.refreshResources(client, now, detailSignal).catch((err: unknown) => warn(err)))
    }
    // A few workers walk the list instead of one promise chain per job: the client's queue stays fed,
    // while the requests of a 100-job cluster are not all created (and kept alive, waiting) at once.
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < list.length) {
        const t = list[next++]!
        await this.refreshJob(client, t, now, detailSignal).catch((err: unknown) => warn(err, t.entry.jid))
      }
    }
    for (let i = Math.min(list.length, client.concurrency * 2); i > 0; i--) work.push(worker())
    try {
      await Promise.all(work)
    } finally {
      if (budgetTimer) this.opts.clock.clearTimeout(budgetTimer)
      signal.removeEventListener('abort', onOuter)
    }
    // Jobs Flink no longer lists: forget them (the fleet decides what a vanished job means).
    if (this.tracks.size > seen.size) for (const id of this.tracks.keys()) if (!seen.has(id)) this.tracks.delete(id)

    const taskManagers = ov.taskmanagers
    if (this.resources === null) this.jobResources = null
    else if (this.jobResources === null || this.jobResources.taskManagers !== taskManagers) this.jobResources = { ...this.resources, taskManagers }
    let running = 0
    const jobs = new Array<JobSnapshot>(order.length)
    for (let i = 0; i < order.length; i++) {
      const s = jobSnapshot(order[i]!, this.opts.clusterId, this.jobResources)
      if (s.state === 'RUNNING') running++
      jobs[i] = s
    }
    return {
      overview: {
        version: ov['flink-version'] ?? null,
        taskManagers,
        slots: { total: ov['slots-total'], available: ov['slots-available'] },
        jobs: { total: jobs.length, running },
      },
      jobs,
      warnings,
    }
  }

  private async refreshJob(client: FlinkRestClient, t: Track, now: number, signal: AbortSignal): Promise<void> {
    const id = encodeURIComponent(t.entry.jid)
    const key = detailKey(t)
    const changed = t.detailKey !== key
    const terminal = isTerminal(t.state)
    if (terminal && (t.terminalDone || !changed)) return
    if (changed) t.detailTriedAt = now
    const errors: unknown[] = []
    let stale = false
    const attempt = async (fn: () => Promise<void>): Promise<void> => {
      if (signal.aborted) return void errors.push(signal.reason)
      await fn().catch((err: unknown) => void errors.push(err))
    }

    if (changed) {
      t.snap = null
      const before = t.restarts
      const firstSeen = t.detailKey === null
      const previousState = t.detailKey?.split('@')[0]
      await Promise.all([
        attempt(async () => {
          const details = await client.get(`/jobs/${id}`, JobDetails, signal)
          if (toJobState(details.state) !== t.state && t.staleReads < STALE_DETAIL_TRIES) {
            stale = true
            return
          }
          const vertices = decodeVertices(details)
          if (vertices.map((v) => v.id).join() !== t.vertices.map((v) => v.id).join()) {
            t.sourceIds.clear()
            t.measured.clear()
            t.metricsAt = null
          }
          t.vertices = vertices
        }),
        attempt(async () => {
          const m = metricMap(await client.get(`/jobs/${id}/metrics?get=numRestarts`, MetricList, signal))
          // Lags behind the exception history read below; a run's restarts only grow.
          t.restarts = Math.max(t.restarts, m.get('numRestarts') ?? 0)
        }),
        t.intervalKnown || terminal
          ? Promise.resolve()
          : attempt(async () => {
              t.intervalMs = checkpointIntervalMs(await getOr404(client.get(`/jobs/${id}/checkpoints/config`, CheckpointConfig, signal)))
              t.intervalKnown = true
            }),
      ])
      t.checkpointsDisabled = false
      // numRestarts lags (the JobManager's metric fetcher refreshes every 10 s) and is gone once the job
      // ended, so a job that changed while it was running, failed or restarted also gets its exception
      // history, which counts failovers exactly.
      const failing = t.state === 'FAILING' || t.state === 'FAILED' || t.state === 'RESTARTING'
      const redeployed = previousState === 'RUNNING' && t.state === 'RUNNING'
      if (stale) {
        t.staleReads++
        // Only an end is held back, so that it is reported with its cause; a restart shows at once.
        t.held = terminal ? t.reported : null
      } else {
        t.staleReads = 0
        t.held = null
      }
      if (!stale && (t.restarts > before || failing || redeployed || (firstSeen && t.restarts > 0))) {
        await attempt(async () => {
          const dto = await client.get(`/jobs/${id}/exceptions?maxExceptions=${EXCEPTION_HISTORY}`, Exceptions, signal)
          t.exceptions = decodeExceptions(dto, this.opts.maxExceptions ?? 5)
          t.restarts = Math.max(t.restarts, restartsFromHistory(dto, t.state))
        })
      }
    }

    const checkpointsDue = !t.checkpointsDisabled && (changed || t.checkpointsAt === null || now - t.checkpointsAt >= this.opts.checkpointIntervalMs)
    if (checkpointsDue && t.state !== 'INITIALIZING' && t.state !== 'CREATED') {
      await attempt(async () => {
        const dto = await getOr404(client.get(`/jobs/${id}/checkpoints`, Checkpoints, signal))
        if (dto === null) t.checkpointsDisabled = true
        else t.checkpoints = { ...decodeCheckpoints(dto, t.intervalMs), observedAt: now }
        t.snap = null
        t.checkpointsAt = t.checkpointsAt === null ? now - phase(t.entry.jid) * this.opts.checkpointIntervalMs : now
      })
    }

    if (terminal || t.state !== 'RUNNING') {
      // Throughput figures of a job that is not running are meaningless; do not keep stale ones.
      if (t.measured.size > 0) t.snap = null
      t.measured.clear()
      t.metricsAt = null
    } else if (t.vertices.length > 0 && (t.metricsAt === null || now - t.metricsAt >= this.opts.metricsIntervalMs)) {
      let figures = false
      await Promise.all(t.vertices.map((v) => attempt(async () => void ((await this.refreshVertex(client, t, v, now, signal, true)) && (figures = true)))))
      const interval = this.opts.metricsIntervalMs
      if (!figures) {
        // Nothing in the JobManager's metric store for this job yet: read again soon rather than a whole interval later.
        t.metricsAt = now - interval + Math.min(interval, emptyRetryMs(++t.emptyReads))
      } else {
        t.emptyReads = 0
        // The first read lands at a per-job phase of the interval, so later reads of a cluster's jobs spread over the polls.
        t.metricsAt = t.metricsPhased ? now : now - phase(t.entry.jid) * interval
        t.metricsPhased = true
      }
    } else if (t.vertices.length > 0) {
      // Between metric reads: only source vertices whose lag ids are still unknown (read their figures as soon as found).
      const pending = t.vertices.filter((v) => v.isSource && discoveryDue(t.sourceIds.get(v.id), now))
      if (pending.length > 0) await Promise.all(pending.map((v) => attempt(async () => void (await this.refreshVertex(client, t, v, now, signal, false)))))
    }

    if (errors.length > 0) throw errors[0]
    if (stale) return
    t.detailKey = key
    if (terminal) t.terminalDone = true
  }

  /**
   * One vertex's aggregated subtask metrics. A source vertex first gets its lag and input-rate ids
   * listed (`subtasks/metrics` without `get`): once per vertex, and again only while no lag id was
   * found. `always` false: read the figures only if that listing found new ids.
   */
  private async refreshVertex(client: FlinkRestClient, t: Track, v: VertexInfo, now: number, signal: AbortSignal, always: boolean): Promise<boolean> {
    const base = `/jobs/${encodeURIComponent(t.entry.jid)}/vertices/${encodeURIComponent(v.id)}/subtasks/metrics`
    let src = t.sourceIds.get(v.id)
    let found = false
    if (v.isSource && discoveryDue(src, now)) {
      const next = discoverSourceIds(await client.get(base, MetricList, signal), now, src)
      if (!sameIds(src, next)) found = next.lag !== null || next.recordsIn !== null
      src = next
      t.sourceIds.set(v.id, src)
    }
    if (!always && !found) return false
    // Built per read (once per metricsInterval) rather than kept per vertex: 30,000 kept paths were ~8 MB
    // of the live heap, which V8 lets grow several times over before a full GC.
    const extra = src ? [...src.pending, ...src.lagMax, ...(src.recordsIn ? [src.recordsIn] : [])] : []
    const path = base + (extra.length === 0 ? TASK_QUERY : metricsQuery([...TASK_METRICS, ...extra]))
    const list = await client.get(path, AggregatedMetrics, signal)
    t.measured.set(v.id, vertexSnapshot(v, list, src))
    t.snap = null
    return list.length > 0
  }

  private async refreshResources(client: FlinkRestClient, now: number, signal: AbortSignal): Promise<void> {
    const get = (ids: string[]): Promise<AggregatedMetrics> =>
      client.get(`/taskmanagers/metrics?get=${ids.map(encodeURIComponent).join(',')}&agg=max,avg,sum`, AggregatedMetrics, signal)
    const m = aggregateMap(await get(TM_METRICS))
    let gcRate = m.get('Status.JVM.GarbageCollector.All.TimeMsPerSecond')?.avg ?? null
    if (gcRate === null) gcRate = await this.gcRateBefore119(client, get, now, signal)
    const next = {
      cpuLoad: nonNegative(m.get('Status.JVM.CPU.Load')?.avg ?? null),
      heapUsedBytes: m.get('Status.JVM.Memory.Heap.Used')?.sum ?? null,
      heapMaxBytes: m.get('Status.JVM.Memory.Heap.Max')?.sum ?? null,
      managedMemoryBytes: m.get('Status.Flink.Memory.Managed.Used')?.sum ?? null,
      gcTimeMsPerSec: gcRate,
    }
    const r = this.resources
    const same =
      r !== null &&
      r.cpuLoad === next.cpuLoad &&
      r.heapUsedBytes === next.heapUsedBytes &&
      r.heapMaxBytes === next.heapMaxBytes &&
      r.managedMemoryBytes === next.managedMemoryBytes &&
      r.gcTimeMsPerSec === next.gcTimeMsPerSec
    if (!same) {
      this.resources = next
      this.jobResources = null
    }
    this.resourcesAt = now
  }

  /** Flink < 1.19 has no `GarbageCollector.All.TimeMsPerSecond`: derive it from the per-collector `Time` totals. */
  private async gcRateBefore119(client: FlinkRestClient, get: (ids: string[]) => Promise<AggregatedMetrics>, now: number, signal: AbortSignal): Promise<number | null> {
    if (this.gc.ids === null) {
      const all = await client.get('/taskmanagers/metrics', MetricList, signal)
      this.gc.ids = all.map((x) => x.id).filter((id) => /^Status\.JVM\.GarbageCollector\.[^.]+\.Time$/.test(id) && !id.includes('.All.'))
    }
    if (this.gc.ids.length === 0) return null
    const m = aggregateMap(await get(this.gc.ids))
    // avg over TMs of the summed collector time = per-TM GC time, which is what TimeMsPerSecond reports.
    const total = this.gc.ids.reduce((acc, id) => acc + (m.get(id)?.avg ?? 0), 0)
    const { lastTotalMs, lastAt } = this.gc
    this.gc.lastTotalMs = total
    this.gc.lastAt = now
    if (lastTotalMs === null || lastAt === null || now <= lastAt || total < lastTotalMs) return null
    return ((total - lastTotalMs) / (now - lastAt)) * 1000
  }
}

async function getOr404<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p
  } catch (err) {
    if (reasonOf(err) === 'not_found') return null
    throw err
  }
}

function nonNegative(n: number | null): number | null {
  return n === null || n < 0 ? null : n
}

export { metricNumber }
/** Re-exported: tests and tools read source discovery through the poller's module. */
export { discoverSourceIds, type SourceIds } from './source-metrics.js'
