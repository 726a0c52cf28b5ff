/**
 * Stored job state transitions (the `transitions` collection) for the job page's timeline: every
 * `job.transition` the fleet publishes, written in batches (one store write per second at most, however
 * many jobs moved), kept as long as metric history (`history.retention`, enforced hourly by node-cron).
 */
import cron, { type ScheduledTask } from 'node-cron'
import type { Clock, TimerHandle } from '../core/clock.js'
import type { Component, ComponentStatus } from '../core/component.js'
import { errorMessage } from '../core/errors.js'
import type { EventBus } from '../core/event-bus.js'
import { onChange, type Logger } from '../core/logger.js'
import type { JobTransition } from '../model/job.js'
import type { CollectionSpec, NewDoc, Store } from '../storage/store.js'

export const TRANSITIONS_COLLECTION = 'transitions'

export const transitionsCollection: CollectionSpec = {
  name: TRANSITIONS_COLLECTION,
  keywords: ['cluster', 'jobId', 'jobName', 'from', 'to'],
  numbers: ['at'],
  daily: true,
}

/** Bounded: a store slower than a storm of transitions loses the oldest unwritten ones, never memory. */
const MAX_BUFFERED = 50_000

export class TransitionRecorder implements Component {
  readonly name = 'transitions'
  private buffer: NewDoc[] = []
  private timer: TimerHandle | null = null
  private writing: Promise<void> = Promise.resolve()
  private unsubscribe: (() => void) | null = null
  private task: ScheduledTask | null = null
  private lastError: string | null = null
  private seq = 0
  private readonly logOnce = onChange()

  constructor(private readonly o: { store: Store; bus: EventBus; clock: Clock; logger: Logger; retentionMs: number; batchMs?: number; retentionSchedule?: string }) {}

  async start(): Promise<void> {
    this.unsubscribe = this.o.bus.subscribe('job.transition', ({ transition }) => this.record(transition))
    this.task = cron.createTask(this.o.retentionSchedule ?? '17 * * * *', () => this.enforceRetention(), { name: 'transitions-retention', noOverlap: true })
    await this.task.start()
    void this.enforceRetention()
  }

  async stop(): Promise<void> {
    this.unsubscribe?.()
    this.unsubscribe = null
    await this.task?.destroy()
    this.task = null
    await this.flush()
  }

  readiness(): ComponentStatus {
    return { ready: true, detail: this.lastError ? `last transitions write failed: ${this.lastError}` : 'recording' }
  }

  record(t: JobTransition): void {
    // Ids order the transitions of one job at one instant (a restart and a state change in one poll).
    const id = `${t.cluster}/${t.jobId}/${t.at}/${(this.seq++ % 1_000_000).toString().padStart(6, '0')}`
    this.buffer.push({ id, timestamp: t.at, body: { ...t } })
    if (this.buffer.length > MAX_BUFFERED) this.buffer.shift()
    this.timer ??= this.o.clock.setTimeout(() => void this.flush(), this.o.batchMs ?? 1000)
  }

  /** Writes what is buffered; resolves when written (or failed). */
  flush(): Promise<void> {
    if (this.timer !== null) this.o.clock.clearTimeout(this.timer)
    this.timer = null
    const docs = this.buffer
    this.buffer = []
    if (docs.length > 0) this.writing = this.writing.then(() => this.write(docs))
    return this.writing
  }

  async enforceRetention(): Promise<number> {
    try {
      return await this.o.store.deleteOlderThan(TRANSITIONS_COLLECTION, this.o.clock.now() - this.o.retentionMs)
    } catch (err) {
      this.o.logger.warn({ err }, 'transitions retention failed')
      return 0
    }
  }

  private async write(docs: NewDoc[]): Promise<void> {
    try {
      const r = await this.o.store.write(TRANSITIONS_COLLECTION, docs, 'create')
      this.lastError = r.failed[0]?.reason ?? null
    } catch (err) {
      this.lastError = errorMessage(err)
    }
    if (this.lastError) {
      const message = this.lastError
      this.logOnce('write', message, () => this.o.logger.warn(`writing job transitions failed: ${message}`))
    }
  }
}

/** A job's stored transitions in [from, to), newest first. */
export async function readTransitions(store: Store, q: { cluster: string; jobId: string; from: number; to: number; limit: number }): Promise<JobTransition[]> {
  const r = await store.query<JobTransition & Record<string, unknown>>(TRANSITIONS_COLLECTION, {
    where: { cluster: q.cluster, jobId: q.jobId },
    from: q.from,
    to: q.to,
    order: 'desc',
    limit: q.limit,
  })
  return r.docs.map((d) => d.body)
}
