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
import { isTerminal, toJobState, type CheckpointStats, type JobException, type JobResources, type JobSnapshot, type JobState, type VertexSnapshot } from '../../src/model/job.js'
import { aggregateMap, checkpointIntervalMs, decodeCheckpoints, decodeExceptions, decodeVertices, metricMap, metricNumber, restartsFromHistory, type VertexInfo } from './flink-decode.js'
import { reasonOf, type FlinkRestClient } from './flink-rest-client.js'
import { AggregatedMetrics, CheckpointConfig, Checkpoints, Exceptions, JobDetails, JobsOverview, MetricList, Overview, type JobsOverviewEntry } from './flink-schemas.js'

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

const TASK_METRICS = ['busyTimeMsPerSecond', 'backPressuredTimeMsPerSecond', 'numRecordsInPerSecond', 'numRecordsOutPerSecond']
/** max for busy/backpressure and records-lag-max, sum for rates and pendingRecords, avg for the busy skew. */
function metricsQuery(ids: readonly string[]): string {
  return `?get=${ids.map(encodeURIComponent).join(',')}&agg=max,avg,sum`
}
/** The query of every vertex without source metric ids. */
const TASK_QUERY = metricsQuery(TASK_METRICS)
const TM_METRICS = ['Status.JVM.CPU.Load', 'Status.JVM.Memory.Heap.Used', 'Status.JVM.Memory.Heap.Max', 'Status.JVM.GarbageCollector.All.TimeMsPerSecond', 'Status.Flink.Memory.Managed.Used']
/** Flink keeps at most this many root entries (web.exception-history-size default). */
const EXCEPTION_HISTORY = 16
/** Polls a job keeps its last agreed state while its detail lags the overview (Flink's cache lives 3 s). */
const STALE_DETAIL_TRIES = 3
/** Source metrics are registered lazily (after partition assignment); look again at most this often. */
const REDISCOVER_MS = 5 * 60_000
/** First wait before listing a source vertex's metric ids again when no lag metric was among them. */
const REDISCOVER_FIRST_MS = 15_000
/**
 * An empty answer (no ids, no figures) means the JobManager's metric store has nothing for the job
 * yet: its metric fetcher fills it only when a metric endpoint is asked, at most every
 * `metrics.fetcher.update-interval` (10 s), so the job's task metrics show up ~10 s after the first
 * question (seen on the stack's 1.20). Ask again every 5 s for half a minute, then back off (×2) up
 * to the normal cadence (a job whose metrics never come must not cost a request per poll).
 */
function emptyRetryMs(emptyAnswers: number): number {
  return 5_000 * 2 ** Math.max(0, emptyAnswers - 6)
}

/** The lag and input-rate metric ids of one source vertex (operator-scoped: they contain the operator name). */
export interface SourceIds {
  /** The preferred lag id: `<op>.pendingRecords` (summed over subtasks), else `records-lag-max` (max). */
  lag: string | null
  lagAgg: 'sum' | 'max'
  /** Every `<op>.pendingRecords` of the vertex (chained sources add up). */
  pending: string[]
  /** `<op>.KafkaSourceReader.KafkaConsumer.records-lag-max` (or the legacy consumer's `<op>.records-lag-max`). */
  lagMax: string[]
  recordsIn: string | null
  discoveredAt: number
  /** When to list the ids again; null once `pendingRecords` is known (ids are stable for a job). */
  retryAt: number | null
  attempts: number
}

/** The job fields of `/jobs/overview` that flinkwatch keeps (the rest of the entry is dropped). */
interface Entry {
  jid: string
  name: string
  rawState: string
  startTime: number
  endTime: number | undefined
  lastModification: number | undefined
}

interface Track {
  entry: Entry
  state: JobState
  /** `${state}@${last-modification}` when the change-driven detail was last fetched successfully. */
  detailKey: string | null
  /** When change-driven detail was last attempted (successful or not). */
  detailTriedAt: number | null
  restarts: number
  vertices: VertexInfo[]
  sourceIds: Map<string, SourceIds>
  /** Per measured vertex: its figures from the last vertex-metrics read. */
  measured: Map<string, VertexSnapshot>
  metricsAt: number | null
  /** Vertex metric reads in a row that came back empty (metric store not filled yet). */
  emptyReads: number
  /** Whether the per-job phase was applied to metricsAt (done on the first read that had figures). */
  metricsPhased: boolean
  checkpoints: CheckpointStats | null
  /** 404 "Checkpointing has not been enabled": stop asking until the job changes. */
  checkpointsDisabled: boolean
  checkpointsAt: number | null
  intervalMs: number | null
  intervalKnown: boolean
  exceptions: JobException[]
  terminalDone: boolean
  /** The state of the last snapshot, and the one shown instead of `state` while the detail lags. */
  reported: JobState | null
  held: JobState | null
  staleReads: number
  /** The last snapshot, reused until something it shows changes (no copy per job per poll). */
  snap: JobSnapshot | null
  snapResources: JobResources | null
}

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

  constructor(private readonly opts: JobManagerPollerOptions) {}

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
      const track = this.track(entry)
      order.push(track)
      if (track.detailKey !== detailKey(track)) changed.push(track)
      else if (this.due(track, now)) due.push(track)
    }
    // Change-driven detail costs ~8 requests per job; a big cluster seen for the first time is read over
    // several polls (real state changes before first sightings), so no poll floods its JobManager.
    // Order: real state changes, then jobs never tried, then jobs whose detail failed longest ago
    // (a job whose endpoints keep failing must not starve the others).
    const rank = (t: Track): number => (t.detailKey !== null ? 0 : t.detailTriedAt === null ? 1 : 2)
    changed.sort((a, b) => rank(a) - rank(b) || (a.detailTriedAt ?? 0) - (b.detailTriedAt ?? 0))
    const list = changed.length > 0 ? [...changed.slice(0, this.opts.maxChangedJobsPerPoll ?? 10), ...due] : due
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
      const s = this.snapshot(order[i]!)
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

  private track(raw: JobsOverviewEntry): Track {
    let t = this.tracks.get(raw.jid)
    if (!t) {
      t = {
        entry: entryOf(raw),
        state: toJobState(raw.state),
        detailKey: null,
        detailTriedAt: null,
        restarts: 0,
        vertices: [],
        sourceIds: new Map(),
        measured: new Map(),
        metricsAt: null,
        emptyReads: 0,
        metricsPhased: false,
        checkpoints: null,
        checkpointsDisabled: false,
        checkpointsAt: null,
        intervalMs: null,
        intervalKnown: false,
        exceptions: [],
        terminalDone: false,
        reported: null,
        held: null,
        staleReads: 0,
        snap: null,
        snapResources: null,
      }
      this.tracks.set(raw.jid, t)
      return t
    }
    const e = t.entry
    if (e.name !== raw.name || e.rawState !== raw.state || e.startTime !== raw['start-time'] || e.endTime !== raw['end-time'] || e.lastModification !== raw['last-modification']) {
      t.entry = entryOf(raw)
      t.state = toJobState(raw.state)
      t.snap = null
    }
    return t
  }

  /** Whether refreshJob would send anything (or change anything) for a job whose state did not change. */
  private due(t: Track, now: number): boolean {
    if (isTerminal(t.state)) return false
    if (!t.checkpointsDisabled && t.state !== 'INITIALIZING' && t.state !== 'CREATED' && (t.checkpointsAt === null || now - t.checkpointsAt >= this.opts.checkpointIntervalMs)) return true
    if (t.state !== 'RUNNING') return t.measured.size > 0 || t.metricsAt !== null
    if (t.vertices.length === 0) return false
    if (t.metricsAt === null || now - t.metricsAt >= this.opts.metricsIntervalMs) return true
    for (const v of t.vertices) if (v.isSource && discoveryDue(t.sourceIds.get(v.id), now)) return true
    return false
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
          t.restarts = m.get('numRestarts') ?? t.restarts
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
        else t.checkpoints = decodeCheckpoints(dto, t.intervalMs)
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
    if (!r || r.cpuLoad !== next.cpuLoad || r.heapUsedBytes !== next.heapUsedBytes || r.heapMaxBytes !== next.heapMaxBytes || r.managedMemoryBytes !== next.managedMemoryBytes || r.gcTimeMsPerSec !== next.gcTimeMsPerSec) {
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

  private snapshot(t: Track): JobSnapshot {
    const resources = isTerminal(t.state) ? null : this.jobResources
    if (t.snap !== null && t.snapResources === resources) return t.snap
    const vertices = t.vertices.map((v) => t.measured.get(v.id) ?? unmeasured(v))
    let lag: number | null = null
    let backpressure: number | null = null
    let busy: number | null = null
    let recordsIn: number | null = null
    let recordsOut: number | null = null
    for (let i = 0; i < t.vertices.length; i++) {
      const info = t.vertices[i]!
      if (!t.measured.has(info.id)) continue
      const v = vertices[i]!
      backpressure = maxOf(backpressure, v.backpressure)
      busy = maxOf(busy, v.busy)
      if (info.isSource) {
        lag = sumOf(lag, v.lag)
        recordsIn = sumOf(recordsIn, v.recordsInPerSec)
      }
      // Records that reached the sinks: sink tasks rarely count what they write out.
      if (info.isSink) recordsOut = sumOf(recordsOut, v.recordsInPerSec)
    }
    const e = t.entry
    const snap: JobSnapshot = {
      cluster: this.opts.clusterId,
      jobId: e.jid,
      name: e.name,
      state: t.held ?? t.state,
      startTime: e.startTime > 0 ? e.startTime : null,
      endTime: e.endTime !== undefined && e.endTime > 0 ? e.endTime : null,
      restarts: t.restarts,
      checkpoints: t.checkpoints,
      latestException: t.exceptions[0] ?? null,
      exceptions: t.exceptions,
      lag,
      backpressure,
      busy,
      recordsInPerSec: recordsIn,
      recordsOutPerSec: recordsOut,
      vertices,
      resources,
    }
    t.snap = snap
    t.snapResources = resources
    t.reported = snap.state
    return snap
  }
}

function entryOf(raw: JobsOverviewEntry): Entry {
  return { jid: raw.jid, name: raw.name, rawState: raw.state, startTime: raw['start-time'], endTime: raw['end-time'], lastModification: raw['last-modification'] }
}

function unmeasured(v: VertexInfo): VertexSnapshot {
  return { id: v.id, name: v.name, parallelism: v.parallelism, maxParallelism: v.maxParallelism, status: v.status, busy: null, backpressure: null, busySkew: null, recordsInPerSec: null, recordsOutPerSec: null, lag: null, isSource: v.isSource }
}

/** Reads the figures of one vertex straight from the aggregated answer (no per-id map kept per vertex). */
function vertexSnapshot(v: VertexInfo, list: AggregatedMetrics, src: SourceIds | undefined): VertexSnapshot {
  let busyMax: number | null = null
  let busyAvg: number | null = null
  let bpMax: number | null = null
  let inSum: number | null = null
  let outSum: number | null = null
  let srcIn: number | null = null
  let pending: number | null = null
  let lagMax: number | null = null
  for (const m of list) {
    switch (m.id) {
      case 'busyTimeMsPerSecond':
        busyMax = metricNumber(m.max)
        busyAvg = metricNumber(m.avg)
        break
      case 'backPressuredTimeMsPerSecond':
        bpMax = metricNumber(m.max)
        break
      case 'numRecordsInPerSecond':
        inSum = metricNumber(m.sum)
        break
      case 'numRecordsOutPerSecond':
        outSum = metricNumber(m.sum)
        break
      default:
        if (!src) break
        if (m.id === src.recordsIn) srcIn = metricNumber(m.sum)
        // pendingRecords is per subtask (its partitions' lag summed): the vertex lag is the sum over subtasks.
        else if (src.pending.includes(m.id)) pending = sumOf(pending, metricNumber(m.sum))
        // records-lag-max is already a max (per consumer): the vertex figure is the max over subtasks.
        else if (src.lagMax.includes(m.id)) lagMax = maxOf(lagMax, metricNumber(m.max))
    }
  }
  return {
    id: v.id,
    name: v.name,
    parallelism: v.parallelism,
    maxParallelism: v.maxParallelism,
    status: v.status,
    busy: ratio(busyMax),
    backpressure: ratio(bpMax),
    busySkew: busyMax !== null && busyAvg !== null && busyAvg > 0 ? busyMax / busyAvg : null,
    recordsInPerSec: v.isSource ? (srcIn ?? outSum) : inSum,
    recordsOutPerSec: outSum,
    lag: pending ?? lagMax,
    isSource: v.isSource,
  }
}

function discoveryDue(src: SourceIds | undefined, now: number): boolean {
  return !src || (src.retryAt !== null && now >= src.retryAt)
}

function sameIds(a: SourceIds | undefined, b: SourceIds): boolean {
  return !!a && a.recordsIn === b.recordsIn && a.pending.join() === b.pending.join() && a.lagMax.join() === b.lagMax.join()
}

/**
 * Picks a source vertex's lag and input-rate ids from its metric id list (operator-scoped ids contain
 * the operator name, e.g. `Source__orders.pendingRecords`) and decides when to list again: never once
 * `pendingRecords` is there; 5 s after an empty list (the JobManager had not fetched the job's
 * metrics yet), backing off; with a growing delay when only `records-lag-max` or nothing is there (registered
 * lazily after partition assignment, or not a Kafka source at all).
 */
export function discoverSourceIds(list: MetricList, now: number, previous?: SourceIds): SourceIds {
  const pending: string[] = []
  const consumerLagMax: string[] = []
  const legacyLagMax: string[] = []
  let recordsIn: string | null = null
  for (const { id } of list) {
    if (id.endsWith('.pendingRecords')) pending.push(id)
    else if (id.endsWith('.KafkaConsumer.records-lag-max')) consumerLagMax.push(id)
    else if (id.endsWith('.records-lag-max')) legacyLagMax.push(id)
    else if (recordsIn === null && id.startsWith('Source__') && id.endsWith('.numRecordsInPerSecond')) recordsIn = id
  }
  // The legacy FlinkKafkaConsumer registers the client metrics twice (`<op>.x` and `<op>.KafkaConsumer.x`): take one.
  const lagMax = consumerLagMax.length > 0 ? consumerLagMax : legacyLagMax
  const attempts = (previous?.attempts ?? 0) + 1
  const retryAt =
    pending.length > 0
      ? null
      : now + Math.min(REDISCOVER_MS, list.length === 0 ? emptyRetryMs(attempts) : REDISCOVER_FIRST_MS * 2 ** (attempts - 1))
  return {
    lag: pending[0] ?? lagMax[0] ?? null,
    lagAgg: pending.length > 0 ? 'sum' : 'max',
    pending,
    lagMax,
    recordsIn,
    discoveredAt: now,
    retryAt,
    attempts,
  }
}

function detailKey(t: Track): string {
  return `${t.state}@${t.entry.lastModification ?? t.entry.startTime}`
}

/** A stable number in [0, 1) per job id (FNV-1a). */
function phase(jobId: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < jobId.length; i++) h = Math.imul(h ^ jobId.charCodeAt(i), 0x01000193)
  return (h >>> 0) / 2 ** 32
}

async function getOr404<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p
  } catch (err) {
    if (reasonOf(err) === 'not_found') return null
    throw err
  }
}

function ratio(msPerSecond: number | null | undefined): number | null {
  if (msPerSecond === null || msPerSecond === undefined) return null
  return Math.min(1, Math.max(0, msPerSecond / 1000))
}

function nonNegative(n: number | null): number | null {
  return n === null || n < 0 ? null : n
}

function maxOf(acc: number | null, v: number | null): number | null {
  return v === null ? acc : acc === null ? v : Math.max(acc, v)
}

function sumOf(acc: number | null, v: number | null): number | null {
  return v === null ? acc : acc === null ? v : acc + v
}

export { metricNumber }
