import { LRUCache } from 'lru-cache'
import type { EventBus } from '../core/event-bus.js'
import type { LogRecord } from '../model/log-record.js'

const MAX_JOBS = 50_000

/**
 * Flink's MDC carries the job id but not the job name: the fleet poller knows both, so log records
 * without a name (and without a cluster) get them from the latest `fleet.updated` events.
 */
export class JobNames {
  /** Past the cap the job least recently seen (in events or logs) is forgotten. */
  private readonly byId = new LRUCache<string, { name: string; cluster: string }>({ max: MAX_JOBS })
  private unsubscribe: (() => void) | undefined

  attach(bus: EventBus): void {
    this.unsubscribe = bus.subscribe('fleet.updated', (ev) => {
      for (const j of ev.jobs) this.set(j.jobId, j.name, j.cluster)
    })
  }

  detach(): void {
    this.unsubscribe?.()
  }

  set(jobId: string, name: string, cluster: string): void {
    const key = jobId.toLowerCase()
    this.byId.set(key, { name, cluster })
  }

  enrich(r: LogRecord): void {
    if (!r.jobId || (r.jobName && r.cluster)) return
    const known = this.byId.get(r.jobId)
    if (!known) return
    r.jobName ??= known.name
    r.cluster ??= known.cluster
  }
}
