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
import { aggregateMap, checkpointIntervalMs, decodeCheckpoints, decodeExceptions, decodeVertices, metricMap, metricNumber, restartsFromHistory, type Aggregate, type VertexInfo } from './flink-decode.js'
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
const TM_METRICS = ['Status.JVM.CPU.Load', 'Status.JVM.Memory.Heap.Used', 'Status.JVM.Memory.Heap.Max', 'Status.JVM.GarbageCollector.All.TimeMsPerSecond', 'Status.Flink.Memory.Managed.Used']
/** Flink keeps at most this many root entries (web.exception-history-size default). */
const EXCEPTION_HISTORY = 16
/** Source metrics are registered lazily (after partition assignment); look again at most this often. */
const REDISCOVER_MS = 5 * 60_000

interface SourceIds {
  lag: string | null
  lagAgg: 'sum' | 'max'
  recordsIn: string | null
  discoveredAt: number
}

interface Track {
  entry: JobsOverviewEntry
  state: JobState
  /** `${state}@${last-modification}` when the change-driven detail was last fetched successfully. */
  detailKey: string | null
  /** When change-driven detail was last attempted (successful or not). */
  detailTriedAt: number | null
  restarts: number
  vertices: VertexInfo[]
  sourceIds: Map<string, SourceIds>
  vertexMetrics: Map<string, Map<string, Aggregate>>
  metricsAt: number | null
  checkpoints: CheckpointStats | null
  /** 404 "Checkpointing has not been enabled": stop asking until the job changes. */
  checkpointsDisabled: boolean
  checkpointsAt: number | null
  intervalMs: number | null
  intervalKnown: boolean
  exceptions: JobException[]
  terminalDone: boolean
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
    // Every queued detail request listens on this signal.
    setMaxListeners(0, detailAbort.signal)
    const budget = this.opts.detailBudgetMs
    const budgetTimer = budget === undefined ? null : this.opts.clock.setTimeout(() => detailAbort.abort(new Error('detail budget of this poll used up')), budget)
    const onOuter = (): void => detailAbort.abort(signal.reason)
    signal.addEventListener('abort', onOuter, { once: true })
    const detailSignal = detailAbort.signal

    const seen = new Set<string>()
    const work: Promise<void>[] = []
    const changed: Track[] = []
    for (const entry of jobsOv.jobs) {
      if (seen.has(entry.jid)) continue
      seen.add(entry.jid)
      const track = this.track(entry)
      if (track.detailKey !== detailKey(track)) {
        changed.push(track)
        continue
      }
      work.push(this.refreshJob(client, track, now, detailSignal).catch((err: unknown) => warn(err, entry.jid)))
    }
    // Change-driven detail costs ~8 requests per job; a big cluster seen for the first time is read over
    // several polls (real state changes before first sightings), so no poll floods its JobManager.
    // Order: real state changes, then jobs never tried, then jobs whose detail failed longest ago
    // (a job whose endpoints keep failing must not starve the others).
    const rank = (t: Track): number => (t.detailKey !== null ? 0 : t.detailTriedAt === null ? 1 : 2)
    changed.sort((a, b) => rank(a) - rank(b) || (a.detailTriedAt ?? 0) - (b.detailTriedAt ?? 0))
    for (const track of changed.slice(0, this.opts.maxChangedJobsPerPoll ?? 10)) {
      work.push(this.refreshJob(client, track, now, detailSignal).catch((err: unknown) => warn(err, track.entry.jid)))
    }
    if (this.resourcesAt === null || now - this.resourcesAt >= this.opts.metricsIntervalMs) {
      work.push(this.refreshResources(client, now, detailSignal).catch((err: unknown) => warn(err)))
    }
    try {
      await Promise.all(work)
    } finally {
      if (budgetTimer) this.opts.clock.clearTimeout(budgetTimer)
      signal.removeEventListener('abort', onOuter)
    }
    // Jobs Flink no longer lists: forget them (the fleet decides what a vanished job means).
    for (const id of [...this.tracks.keys()]) if (!seen.has(id)) this.tracks.delete(id)

    const jobs = [...seen].map((id) => this.snapshot(this.tracks.get(id)!, ov.taskmanagers))
    return {
      overview: {
        version: ov['flink-version'] ?? null,
        taskManagers: ov.taskmanagers,
        slots: { total: ov['slots-total'], available: ov['slots-available'] },
        jobs: { total: jobs.length, running: jobs.filter((j) => j.state === 'RUNNING').length },
      },
      jobs,
      warnings,
    }
  }

  private track(entry: JobsOverviewEntry): Track {
    let t = this.tracks.get(entry.jid)
    if (!t) {
      t = {
        entry,
        state: toJobState(entry.state),
        detailKey: null,
        detailTriedAt: null,
        restarts: 0,
        vertices: [],
        sourceIds: new Map(),
        vertexMetrics: new Map(),
        metricsAt: null,
        checkpoints: null,
        checkpointsDisabled: false,
        checkpointsAt: null,
        intervalMs: null,
        intervalKnown: false,
        exceptions: [],
        terminalDone: false,
      }
      this.tracks.set(entry.jid, t)
    }
    t.entry = entry
    t.state = toJobState(entry.state)
    return t
  }

  private async refreshJob(client: FlinkRestClient, t: Track, now: number, signal: AbortSignal): Promise<void> {
    const id = encodeURIComponent(t.entry.jid)
    const key = detailKey(t)
    const changed = t.detailKey !== key
    const terminal = isTerminal(t.state)
    if (terminal && (t.terminalDone || !changed)) return
    if (changed) t.detailTriedAt = now
    const errors: unknown[] = []
    const attempt = async (fn: () => Promise<void>): Promise<void> => {
      if (signal.aborted) return void errors.push(signal.reason)
      await fn().catch((err: unknown) => void errors.push(err))
    }

    if (changed) {
      const before = t.restarts
      const firstSeen = t.detailKey === null
      const previousState = t.detailKey?.split('@')[0]
      await Promise.all([
        attempt(async () => {
          const details = await client.get(`/jobs/${id}`, JobDetails, signal)
          const vertices = decodeVertices(details)
          if (vertices.map((v) => v.id).join() !== t.vertices.map((v) => v.id).join()) {
            t.sourceIds.clear()
            t.vertexMetrics.clear()
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
      if (t.restarts > before || failing || redeployed || (firstSeen && t.restarts > 0)) {
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
        t.checkpointsAt = t.checkpointsAt === null ? now - phase(t.entry.jid) * this.opts.checkpointIntervalMs : now
      })
    }

    if (terminal || t.state !== 'RUNNING') {
      // Throughput figures of a job that is not running are meaningless; do not keep stale ones.
      t.vertexMetrics.clear()
      t.metricsAt = null
    } else if (t.vertices.length > 0 && (t.metricsAt === null || now - t.metricsAt >= this.opts.metricsIntervalMs)) {
      await Promise.all(t.vertices.map((v) => attempt(() => this.refreshVertex(client, t, v, now, signal))))
      // The first read lands at a per-job phase of the interval, so later reads of a cluster's jobs spread over the polls.
      t.metricsAt = t.metricsAt === null ? now - phase(t.entry.jid) * this.opts.metricsIntervalMs : now
    }

    if (errors.length > 0) throw errors[0]
    t.detailKey = key
    if (terminal) t.terminalDone = true
  }

  private async refreshVertex(client: FlinkRestClient, t: Track, v: VertexInfo, now: number, signal: AbortSignal): Promise<void> {
    const base = `/jobs/${encodeURIComponent(t.entry.jid)}/vertices/${encodeURIComponent(v.id)}/subtasks/metrics`
    let src = t.sourceIds.get(v.id)
    if (v.isSource && (!src || (src.lag === null && now - src.discoveredAt >= REDISCOVER_MS))) {
      src = discoverSourceIds(await client.get(base, MetricList, signal), now)
      t.sourceIds.set(v.id, src)
    }
    const ids = [...TASK_METRICS, ...(src?.lag ? [src.lag] : []), ...(src?.recordsIn ? [src.recordsIn] : [])]
    const list = await client.get(`${base}?get=${ids.map(encodeURIComponent).join(',')}&agg=max,avg,sum`, AggregatedMetrics, signal)
    t.vertexMetrics.set(v.id, aggregateMap(list))
  }

  private async refreshResources(client: FlinkRestClient, now: number, signal: AbortSignal): Promise<void> {
    const get = (ids: string[]): Promise<AggregatedMetrics> =>
      client.get(`/taskmanagers/metrics?get=${ids.map(encodeURIComponent).join(',')}&agg=max,avg,sum`, AggregatedMetrics, signal)
    const m = aggregateMap(await get(TM_METRICS))
    let gcRate = m.get('Status.JVM.GarbageCollector.All.TimeMsPerSecond')?.avg ?? null
    if (gcRate === null) gcRate = await this.gcRateBefore119(client, get, now, signal)
    this.resources = {
      cpuLoad: nonNegative(m.get('Status.JVM.CPU.Load')?.avg ?? null),
      heapUsedBytes: m.get('Status.JVM.Memory.Heap.Used')?.sum ?? null,
      heapMaxBytes: m.get('Status.JVM.Memory.Heap.Max')?.sum ?? null,
      managedMemoryBytes: m.get('Status.Flink.Memory.Managed.Used')?.sum ?? null,
      gcTimeMsPerSec: gcRate,
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

  private snapshot(t: Track, taskManagers: number): JobSnapshot {
    const vertices = t.vertices.map((v) => vertexSnapshot(v, t.vertexMetrics.get(v.id), t.sourceIds.get(v.id)))
    const measured = vertices.filter((v) => t.vertexMetrics.has(v.id))
    const maxOf = (f: (v: VertexSnapshot) => number | null): number | null => nullableReduce(measured.map(f), Math.max)
    const sumOf = (vs: VertexSnapshot[], f: (v: VertexSnapshot) => number | null): number | null => nullableReduce(vs.map(f), (a, b) => a + b)
    const endTime = t.entry['end-time']
    return {
      cluster: this.opts.clusterId,
      jobId: t.entry.jid,
      name: t.entry.name,
      state: t.state,
      startTime: t.entry['start-time'] > 0 ? t.entry['start-time'] : null,
      endTime: endTime !== undefined && endTime > 0 ? endTime : null,
      restarts: t.restarts,
      checkpoints: t.checkpoints,
      latestException: t.exceptions[0] ?? null,
      exceptions: t.exceptions,
      lag: sumOf(measured.filter((v) => v.isSource), (v) => v.lag),
      backpressure: maxOf((v) => v.backpressure),
      busy: maxOf((v) => v.busy),
      recordsInPerSec: sumOf(measured.filter((v) => v.isSource), (v) => v.recordsInPerSec),
      // Records that reached the sinks: sink tasks rarely count what they write out.
      recordsOutPerSec: sumOf(measured.filter((v) => t.vertices.find((x) => x.id === v.id)?.isSink), (v) => v.recordsInPerSec),
      vertices,
      resources: this.resources && !isTerminal(t.state) ? { ...this.resources, taskManagers } : null,
    }
  }
}

function vertexSnapshot(v: VertexInfo, m: Map<string, Aggregate> | undefined, src: SourceIds | undefined): VertexSnapshot {
  const busy = m?.get('busyTimeMsPerSecond')
  const bp = m?.get('backPressuredTimeMsPerSecond')
  const lagAgg = src?.lag ? m?.get(src.lag) : undefined
  const srcIn = src?.recordsIn ? m?.get(src.recordsIn)?.sum ?? null : null
  return {
    id: v.id,
    name: v.name,
    parallelism: v.parallelism,
    maxParallelism: v.maxParallelism,
    status: v.status,
    busy: ratio(busy?.max),
    backpressure: ratio(bp?.max),
    busySkew: busy?.max != null && busy.avg != null && busy.avg > 0 ? busy.max / busy.avg : null,
    recordsInPerSec: v.isSource ? (srcIn ?? m?.get('numRecordsOutPerSecond')?.sum ?? null) : (m?.get('numRecordsInPerSecond')?.sum ?? null),
    recordsOutPerSec: m?.get('numRecordsOutPerSecond')?.sum ?? null,
    lag: lagAgg ? (src?.lagAgg === 'sum' ? lagAgg.sum : lagAgg.max) : null,
    isSource: v.isSource,
  }
}

/** Picks the source operator's lag and input-rate ids (operator-scoped ids depend on operator names). */
export function discoverSourceIds(list: MetricList, now: number): SourceIds {
  const ids = list.map((m) => m.id)
  const pending = ids.find((id) => id.endsWith('.pendingRecords'))
  const lagMax = ids.find((id) => id.endsWith('KafkaConsumer.records-lag-max')) ?? ids.find((id) => id.endsWith('.records-lag-max'))
  const recordsIn = ids.find((id) => id.startsWith('Source__') && id.endsWith('.numRecordsInPerSecond')) ?? null
  return {
    // pendingRecords is per subtask (sum of its partitions), so the vertex lag is the sum; records-lag-max is a max.
    lag: pending ?? lagMax ?? null,
    lagAgg: pending ? 'sum' : 'max',
    recordsIn,
    discoveredAt: now,
  }
}

function detailKey(t: Track): string {
  return `${t.state}@${t.entry['last-modification'] ?? t.entry['start-time']}`
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

function nullableReduce(values: (number | null)[], f: (a: number, b: number) => number): number | null {
  let acc: number | null = null
  for (const v of values) if (v !== null) acc = acc === null ? v : f(acc, v)
  return acc
}

export { metricNumber }
