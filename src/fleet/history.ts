/**
 * Metric history for recommendations: on every `fleet.updated`, each running job gets one sample per
 * `history.sampleInterval` (in a window phased per job, see `due`) — one `job` document plus one
 * `vertex` document per vertex —
 * written to the `history` collection. Retention (`history.retention`) is enforced by a node-cron job
 * (hourly) and once at start.
 */
import { LRUCache } from 'lru-cache'
import cron, { type ScheduledTask } from 'node-cron'
import type { Clock, TimerHandle } from '../core/clock.js'
import type { Component, ComponentStatus } from '../core/component.js'
import { errorMessage } from '../core/errors.js'
import type { EventBus } from '../core/event-bus.js'
import { onChange, type Logger } from '../core/logger.js'
import type { JobSnapshot } from '../model/job.js'
import type { CollectionSpec, NewDoc, Store } from '../storage/store.js'

export const HISTORY_COLLECTION = 'history'

/** Stored body; `kind: 'job'` samples have `vertexId: null`. Numbers are null when Flink did not report them. */
export interface HistorySample {
  [key: string]: unknown
  kind: 'job' | 'vertex'
  cluster: string
  jobId: string
  jobName: string
  vertexId: string | null
  vertexName: string | null
  state: string
  /** Vertex parallelism; for a job sample the largest vertex parallelism. */
  parallelism: number | null
  /** 0..1, max over subtasks (job: max over vertices). */
  busy: number | null
  backpressure: number | null
  /** max / mean subtask busy (vertex samples). */
  busySkew: number | null
  recordsInPerSec: number | null
  recordsOutPerSec: number | null
  /** Kafka source lag in records. */
  lag: number | null
  /** TaskManager figures (cluster-wide for session clusters). */
  cpuLoad: number | null
  heapUsedBytes: number | null
  heapMaxBytes: number | null
  gcTimeMsPerSec: number | null
  restarts: number
  /** The latest completed checkpoint's duration and size (job samples; null on vertex samples and when unknown). */
  checkpointDurationMs?: number | null
  checkpointSizeBytes?: number | null
  /** Epoch ms of the sample (also the document timestamp). */
  at: number
}

export const historyCollection: CollectionSpec = {
  name: HISTORY_COLLECTION,
  keywords: ['kind', 'cluster', 'jobName', 'jobId', 'vertexId', 'state'],
  // Only `at` as a number field: every declared field is an index the embedded store updates per sample
  // (~4 samples per job per minute, 40,000/min for 10,000 jobs); the 12 figure indexes doubled the cost of
  // history, and readers select samples by job/vertex and time, not by a figure's value.
  numbers: ['at'],
  daily: true,
}

export interface HistoryCounters {
  samples(outcome: 'written' | 'failed', n: number): void
}

export interface HistoryRecorderOptions {
  store: Store
  bus: EventBus
  clock: Clock
  logger: Logger
  sampleIntervalMs: number
  retentionMs: number
  /** node-cron expression for retention; hourly by default. */
  retentionSchedule?: string
  /** Samples are written in batches at most this often (default 1 s): one transaction for many polls. */
  batchMs?: number
  counters?: HistoryCounters
}

export function historySamples(job: JobSnapshot, at: number): HistorySample[] {
  const r = job.resources
  const common = {
    cluster: job.cluster,
    jobId: job.jobId,
    jobName: job.name,
    state: job.state,
    cpuLoad: r?.cpuLoad ?? null,
    heapUsedBytes: r?.heapUsedBytes ?? null,
    heapMaxBytes: r?.heapMaxBytes ?? null,
    gcTimeMsPerSec: r?.gcTimeMsPerSec ?? null,
    restarts: job.restarts,
    at,
  }
  const jobSample: HistorySample = {
    ...common,
    kind: 'job',
    vertexId: null,
    vertexName: null,
    parallelism: job.vertices.length > 0 ? Math.max(...job.vertices.map((v) => v.parallelism)) : null,
    busy: job.busy,
    backpressure: job.backpressure,
    busySkew: null,
    recordsInPerSec: job.recordsInPerSec,
    recordsOutPerSec: job.recordsOutPerSec,
    lag: job.lag,
    // Only when known: samples stay as small as before for jobs without checkpoints (readers default to null).
    ...(job.checkpoints?.lastCompleted ? { checkpointDurationMs: job.checkpoints.lastCompleted.durationMs, checkpointSizeBytes: job.checkpoints.lastCompleted.sizeBytes } : {}),
  }
  return [
    jobSample,
    ...job.vertices.map((v): HistorySample => ({
      ...common,
      kind: 'vertex',
      vertexId: v.id,
      vertexName: v.name,
      parallelism: v.parallelism,
      busy: v.busy,
      backpressure: v.backpressure,
      busySkew: v.busySkew,
      recordsInPerSec: v.recordsInPerSec,
      recordsOutPerSec: v.recordsOutPerSec,
      lag: v.lag,
    })),
  ]
}

export class HistoryRecorder implements Component {
  readonly name = 'history'
  /**
   * When each job was last sampled. A job not sampled for ten intervals (finished, vanished) is forgotten, on
   * the fleet events' own time; the cap only guards against a fleet far beyond any measured one.
   */
  private readonly lastSample: LRUCache<string, number>
  private eventTime = 0
  private unsubscribe: (() => void) | null = null
  private task: ScheduledTask | null = null
  private writing: Promise<void> = Promise.resolve()
  private pending = 0
  /** Samples waiting for the next batch (every cluster poll adds some; one write per batchMs). */
  private buffer: NewDoc[] = []
  private batchTimer: TimerHandle | null = null
  private lastError: string | null = null
  private readonly logOnce = onChange()

  constructor(private readonly o: HistoryRecorderOptions) {
    this.lastSample = new LRUCache({ max: 200_000, ttl: 10 * o.sampleIntervalMs, ttlResolution: 0, perf: { now: () => this.eventTime } })
  }

  async start(): Promise<void> {
    this.unsubscribe = this.o.bus.subscribe('fleet.updated', (ev) => this.record(ev.jobs, ev.at))
    this.task = cron.createTask(this.o.retentionSchedule ?? '7 * * * *', () => this.enforceRetention(), { name: 'history-retention', noOverlap: true })
    await this.task.start()
    void this.enforceRetention()
  }

  async stop(): Promise<void> {
    this.unsubscribe?.()
    this.unsubscribe = null
    await this.task?.destroy()
    this.task = null
    this.writeBuffer()
    await this.writing
  }

  readiness(): ComponentStatus {
    return { ready: true, detail: this.lastError ? `last history write failed: ${this.lastError}` : 'recording' }
  }

  /** Samples the jobs that are due; returns how many documents were queued. */
  record(jobs: readonly JobSnapshot[], at: number): number {
    const docs: NewDoc[] = []
    this.eventTime = Math.max(this.eventTime, at)
    for (const job of jobs) {
      if (job.state !== 'RUNNING') continue
      const key = `${job.cluster}/${job.jobId}`
      const last = this.lastSample.get(key)
      if (last !== undefined && !this.due(key, last, at)) continue
      this.lastSample.set(key, at)
      for (const s of historySamples(job, at)) docs.push({ id: `${key}/${s.vertexId ?? 'job'}/${at}`, timestamp: at, body: s })
    }
    if (docs.length === 0) return 0
    // Bounded: if the store is slower than the fleet, drop rather than queue without end.
    if (this.pending > 50_000) {
      this.o.counters?.samples('failed', docs.length)
      return 0
    }
    this.pending += docs.length
    for (const d of docs) this.buffer.push(d)
    if (this.buffer.length >= 5000) this.writeBuffer()
    else if (this.batchTimer === null) this.batchTimer = this.o.clock.setTimeout(() => this.writeBuffer(), this.o.batchMs ?? 1000)
    return docs.length
  }

  /**
   * A job is sampled once per sampleInterval, in the window given by its own phase (a hash of its key),
   * not one interval after its first sample: jobs seen together (all of them, after a restart of
   * flinkwatch) would otherwise all be due in the same poll cycle, every interval — 40,000 documents
   * at once for 10,000 jobs, a write burst that made that cycle the slowest. Two samples of a job are
   * still at least half an interval apart.
   */
  private due(key: string, last: number, at: number): boolean {
    const interval = this.o.sampleIntervalMs
    if (at - last >= interval) return true
    if (at - last < interval / 2) return false
    const phase = phaseOf(key, interval)
    return Math.floor((at + phase) / interval) !== Math.floor((last + phase) / interval)
  }

  /** Resolves when everything queued so far is written (or failed). */
  flush(): Promise<void> {
    this.writeBuffer()
    return this.writing
  }

  private writeBuffer(): void {
    if (this.batchTimer !== null) this.o.clock.clearTimeout(this.batchTimer)
    this.batchTimer = null
    if (this.buffer.length === 0) return
    const docs = this.buffer
    this.buffer = []
    this.writing = this.writing.then(() => this.write(docs))
  }

  async enforceRetention(): Promise<number> {
    try {
      const n = await this.o.store.deleteOlderThan(HISTORY_COLLECTION, this.o.clock.now() - this.o.retentionMs)
      if (n > 0) this.o.logger.info({ deleted: n }, 'history retention applied')
      return n
    } catch (err) {
      this.o.logger.warn({ err }, 'history retention failed')
      return 0
    }
  }

  private async write(docs: NewDoc[]): Promise<void> {
    try {
      const r = await this.o.store.write(HISTORY_COLLECTION, docs, 'create')
      this.o.counters?.samples('written', r.written)
      if (r.failed.length > 0) {
        this.o.counters?.samples('failed', r.failed.length)
        this.fail(r.failed[0]!.reason)
      } else this.lastError = null
    } catch (err) {
      this.o.counters?.samples('failed', docs.length)
      this.fail(errorMessage(err))
    } finally {
      this.pending -= docs.length
    }
  }

  private fail(message: string): void {
    this.lastError = message
    this.logOnce('write', message, () => this.o.logger.warn(`writing history samples failed: ${message}`))
  }
}

/** A stable offset in [0, interval) per key (FNV-1a), spreading the jobs' sample windows over the interval. */
function phaseOf(key: string, interval: number): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  return (h >>> 0) % Math.max(1, Math.floor(interval))
}
