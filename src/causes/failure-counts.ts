/**
 * "How often did the same cause hit this job in the last 7 days": one record per classified failure in
 * `failure_causes`, counted by a store query. The records are written in batches (SerialWrites): a storm's
 * thousand failures were a thousand one-document writes, now a few. Records not written yet are counted
 * from memory, so two failures of one job a moment apart still count 1 and 2.
 */
import type { Logger } from '../core/logger.js'
import { SerialWrites } from '../core/serial-writes.js'
import type { CollectionSpec, NewDoc, Store } from '../storage/store.js'

export const FAILURE_CAUSES = 'failure_causes'
export const failureCausesCollection: CollectionSpec = { name: FAILURE_CAUSES, keywords: ['cluster', 'jobName', 'class'], numbers: ['at'] }
export const WEEK_MS = 7 * 86_400_000

export interface FailureRecord {
  /** The incident's id: a failure enriched again is the same record. */
  id: string
  cluster: string
  jobName: string
  jobId: string | null
  class: string
  at: number
}

interface CauseBody {
  cluster: string
  jobName: string
  jobId: string | null
  class: string
  at: number
  incident: string
  [k: string]: unknown
}

export class FailureCounts {
  private pending: NewDoc<CauseBody>[] = []
  private writing: NewDoc<CauseBody>[] = []
  private readonly writes = new SerialWrites(() => this.flush())
  /** Only the last 7 days are ever counted: older records go, at most once an hour (no scheduler needed). */
  private prunedAt = 0

  constructor(private readonly o: { store: Store; logger: Logger }) {}

  /** Records the failure and answers how many of its job's failures of its class fell in the 7 days up to it, itself included. */
  async countAndRecord(f: FailureRecord): Promise<number> {
    this.prune(f.at)
    const r = await this.o.store.query(FAILURE_CAUSES, { where: { cluster: f.cluster, jobName: f.jobName, class: f.class }, from: f.at - WEEK_MS, to: f.at + 1, limit: 1, exactTotal: true })
    const same = (d: NewDoc<CauseBody>): boolean => d.id !== f.id && d.body.cluster === f.cluster && d.body.jobName === f.jobName && d.body.class === f.class
    const unwritten = [...this.writing, ...this.pending].filter((d) => same(d) && d.timestamp > f.at - WEEK_MS && d.timestamp <= f.at).length
    this.pending.push({ id: f.id, timestamp: f.at, body: { cluster: f.cluster, jobName: f.jobName, jobId: f.jobId, class: f.class, at: f.at, incident: f.id } })
    this.writes.request()
    return r.total + unwritten + 1
  }

  /** Resolves once every record asked for so far is written (or its write failed and was logged). */
  idle(): Promise<void> {
    return this.writes.idle()
  }

  private prune(at: number): void {
    if (at - this.prunedAt < 3_600_000) return
    this.prunedAt = at
    this.o.store.deleteOlderThan(FAILURE_CAUSES, at - WEEK_MS - 86_400_000).catch((err: unknown) => this.o.logger.warn({ err }, 'pruning failure_causes failed'))
  }

  private async flush(): Promise<void> {
    this.writing = this.pending
    this.pending = []
    if (this.writing.length === 0) return
    try {
      await this.o.store.write(FAILURE_CAUSES, this.writing, 'upsert')
    } catch (err) {
      // A count, not an alert: a lost record makes a later count one lower, it loses no notification.
      this.o.logger.warn({ err, records: this.writing.length }, 'recording failure causes failed')
    } finally {
      this.writing = []
    }
  }
}
