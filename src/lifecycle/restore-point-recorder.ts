/**
 * Remembers each job's newest retained checkpoint or savepoint as the fleet sees them, so a restart can
 * still find it after Flink forgot the instance that wrote it (JobManager failover, job store expiry,
 * an application-mode cluster that went away with its job).
 */
import type { Component, ComponentStatus } from '../core/component.js'
import type { EventBus } from '../core/event-bus.js'
import type { Logger } from '../core/logger.js'
import type { JobSnapshot } from '../model/job.js'
import type { RestorePoint } from '../model/operation.js'
import type { RestorePointMemory } from './restore-point-memory.js'

export function newestObserved(job: JobSnapshot): RestorePoint | null {
  let best: RestorePoint | null = null
  for (const c of [job.checkpoints?.lastCompleted, job.checkpoints?.lastSavepoint]) {
    if (!c?.externalPath) continue
    if (!best || c.completedAt > best.completedAt) best = { path: c.externalPath, kind: c.isSavepoint ? 'savepoint' : 'checkpoint', completedAt: c.completedAt, jobId: job.jobId }
  }
  return best
}

export class RestorePointRecorder implements Component {
  readonly name = 'restore-points'
  private readonly last = new Map<string, number>()
  private unsubscribe: (() => void) | null = null
  private writing: Promise<void> = Promise.resolve()

  constructor(private readonly o: { bus: EventBus; memory: RestorePointMemory; logger: Logger }) {}

  async start(): Promise<void> {
    this.unsubscribe = this.o.bus.subscribe('fleet.updated', (ev) => {
      for (const j of ev.jobs) {
        const p = newestObserved(j)
        if (!p) continue
        const k = `${j.cluster}/${j.name}`
        if ((this.last.get(k) ?? -1) >= p.completedAt) continue
        this.last.set(k, p.completedAt)
        this.writing = this.writing.then(() => this.o.memory.remember(j.cluster, j.name, p)).catch((err: unknown) => this.o.logger.warn({ err }, 'remembering a restore point failed'))
      }
    })
  }

  async stop(): Promise<void> {
    this.unsubscribe?.()
    await this.writing
  }

  readiness(): ComponentStatus {
    return { ready: true, detail: `${this.last.size} job(s) with a known restore point` }
  }
}
