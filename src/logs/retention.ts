import cron, { type ScheduledTask } from 'node-cron'
import type { Clock } from '../core/clock.js'
import type { Component, ComponentStatus } from '../core/component.js'
import { errorMessage } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Store } from '../storage/store.js'

/**
 * Deletes log lines (and dead letters) older than logs.retention, hourly via node-cron. On Elasticsearch the
 * store drops whole daily indices; on SQLite it deletes in short chunks.
 */
export class LogRetention implements Component {
  readonly name = 'logs-retention'
  private task: ScheduledTask | undefined
  private last: { at: number; deleted: number; error?: string } | undefined

  constructor(
    private readonly o: { store: Store; clock: Clock; logger: Logger; retentionMs: number; collections: readonly string[]; schedule?: string },
  ) {}

  async start(): Promise<void> {
    this.task = cron.schedule(this.o.schedule ?? '17 * * * *', () => this.runOnce().then(() => undefined), { name: 'logs-retention', noOverlap: true })
  }

  async stop(): Promise<void> {
    await this.task?.stop()
    this.task = undefined
  }

  readiness(): ComponentStatus {
    if (this.last?.error) return { ready: true, detail: `last retention run failed: ${this.last.error}` }
    return { ready: true, detail: this.last ? `last run deleted ${this.last.deleted}` : 'scheduled' }
  }

  /** One pass; exposed for tests and for the first run after start. */
  async runOnce(): Promise<number> {
    const cutoff = this.o.clock.now() - this.o.retentionMs
    let deleted = 0
    try {
      for (const c of this.o.collections) deleted += await this.o.store.deleteOlderThan(c, cutoff)
      this.last = { at: this.o.clock.now(), deleted }
      if (deleted > 0) this.o.logger.info({ deleted, cutoff: new Date(cutoff).toISOString() }, 'log retention removed old lines')
    } catch (err) {
      this.last = { at: this.o.clock.now(), deleted, error: errorMessage(err) }
      this.o.logger.warn({ err }, 'log retention failed')
    }
    return deleted
  }
}
