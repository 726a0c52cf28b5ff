import { createHash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { LogRecord } from '../model/log-record.js'

export interface BucketConfig {
  linesPerSecond: number
  burst: number
}

export interface RateLimitConfig {
  perJob: BucketConfig
  perTaskManager: BucketConfig
  /** Records stamped further ahead of wall-clock time than this count at wall-clock time. */
  maxClockSkewMs: number
  /** Length of one "N lines dropped" marker window, in record time. */
  markerIntervalMs: number
  /** Buckets kept per kind (job, TaskManager); past it the least recently used one goes. Default 20,000. */
  maxBuckets?: number
}

export type DropReason = 'rate_limit_job' | 'rate_limit_taskmanager'

/**
 * A token bucket that refills on the records' own timestamps, not on arrival: a backlog read after an outage
 * arrives fast but was logged at its original pace, so it is not dropped for arriving fast.
 */
class Bucket {
  tokens: number
  last: number
  constructor(
    private readonly cfg: BucketConfig,
    t: number,
  ) {
    this.tokens = cfg.burst
    this.last = t
  }
  refill(t: number): void {
    if (t > this.last) {
      this.tokens = Math.min(this.cfg.burst, this.tokens + ((t - this.last) * this.cfg.linesPerSecond) / 1000)
      this.last = t
    }
  }
}

interface MarkerAcc {
  cluster: string | null
  jobId: string | null
  jobName: string | null
  taskManager: string | null
  window: number
  count: number
  from: number
  to: number
  openedAt: number
}

const MAX_BUCKETS = 20_000

/** Per-job and per-TaskManager limits, plus one marker record per job (or TaskManager) per interval. */
export class LogRateLimiter {
  // Bounded memory: past the cap the least recently used bucket goes (it refills to burst when seen again), so a
  // busy long-lived job keeps its bucket however many short-lived jobs come and go.
  private readonly jobs: LRUCache<string, Bucket>
  private readonly tms: LRUCache<string, Bucket>
  private readonly open = new Map<string, MarkerAcc>()
  private readonly ready: LogRecord[] = []

  constructor(private readonly cfg: RateLimitConfig) {
    const max = cfg.maxBuckets ?? MAX_BUCKETS
    this.jobs = new LRUCache({ max })
    this.tms = new LRUCache({ max })
  }

  /** Takes a token from the record's job and TaskManager buckets; null when admitted, else why not. */
  admit(r: LogRecord, now: number): DropReason | null {
    const t = Math.min(r.timestamp, now + this.cfg.maxClockSkewMs)
    const job = r.jobId ? this.bucket(this.jobs, `${r.cluster ?? ''}\u0000${r.jobId}`, this.cfg.perJob, t) : undefined
    const tm = r.taskManager ? this.bucket(this.tms, `${r.cluster ?? ''}\u0000${r.taskManager}`, this.cfg.perTaskManager, t) : undefined
    let reason: DropReason | null = null
    if (job && job.tokens < 1) reason = 'rate_limit_job'
    else if (tm && tm.tokens < 1) reason = 'rate_limit_taskmanager'
    if (reason === null) {
      if (job) job.tokens -= 1
      if (tm) tm.tokens -= 1
      return null
    }
    this.noteDrop(r, t, now)
    return reason
  }

  /** Markers whose window closed (in record time) or has been open a whole interval of wall time. */
  takeMarkers(now: number, all = false): LogRecord[] {
    for (const [key, acc] of this.open) {
      if (all || now - acc.openedAt >= this.cfg.markerIntervalMs) {
        this.open.delete(key)
        this.ready.push(markerRecord(key, acc))
      }
    }
    return this.ready.splice(0)
  }

  private bucket(cache: LRUCache<string, Bucket>, key: string, cfg: BucketConfig, t: number): Bucket {
    // get() marks the bucket most recently used.
    let b = cache.get(key)
    if (!b) {
      b = new Bucket(cfg, t)
      cache.set(key, b)
    }
    b.refill(t)
    return b
  }

  private noteDrop(r: LogRecord, t: number, now: number): void {
    const key = r.jobId ? `job\u0000${r.cluster ?? ''}\u0000${r.jobId}` : `tm\u0000${r.cluster ?? ''}\u0000${r.taskManager ?? ''}`
    const window = Math.floor(t / this.cfg.markerIntervalMs)
    let acc = this.open.get(key)
    if (acc && acc.window !== window) {
      this.ready.push(markerRecord(key, acc))
      acc = undefined
    }
    if (!acc) {
      acc = { cluster: r.cluster, jobId: r.jobId, jobName: r.jobName, taskManager: r.jobId ? null : r.taskManager, window, count: 0, from: t, to: t, openedAt: now }
      this.open.set(key, acc)
    }
    acc.count++
    acc.jobName ??= r.jobName
    acc.from = Math.min(acc.from, t)
    acc.to = Math.max(acc.to, t)
  }
}

function markerRecord(key: string, acc: MarkerAcc): LogRecord {
  // Deterministic id: a marker rebuilt after a redelivery is the same document, not a second one.
  const id = `marker-${createHash('sha256').update(`${key}\u0000${acc.from}`).digest('base64url').slice(0, 22)}`
  const message = `${acc.count} lines dropped by rate limit between ${new Date(acc.from).toISOString()} and ${new Date(acc.to).toISOString()}`
  return {
    id,
    timestamp: acc.to,
    level: 'WARN',
    message,
    logger: 'flinkwatch.ratelimit',
    thread: null,
    cluster: acc.cluster,
    jobId: acc.jobId,
    jobName: acc.jobName,
    taskManager: acc.taskManager,
    errorType: null,
    errorMessage: null,
    stackTrace: null,
    truncated: false,
    origin: 'flinkwatch:rate-limit',
    marker: { dropped: acc.count, from: acc.from, to: acc.to },
  }
}
