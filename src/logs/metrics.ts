import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export type LogSource = 'kafka' | 'http'

/** Every log pipeline metric, registered once per service instance. */
export class LogMetrics {
  readonly recordsIn: Counter<'source'>
  readonly stored: Counter
  readonly duplicates: Counter
  readonly dropped: Counter<'cluster' | 'job' | 'reason'>
  readonly rejected: Counter<'source' | 'reason'>
  readonly decodeIssues: Counter<'issue'>
  readonly deadLettered: Counter
  readonly bulkDuration: Histogram<'outcome'>
  readonly bulkRetries: Counter
  readonly consumerLag: Gauge<'topic' | 'partition'>
  readonly freshness: Histogram
  readonly buffered: Gauge
  private readonly jobLabels = new Set<string>()
  /** Records counted by countIn() since the last scrape: a labelled inc() per record costs more than decoding's share. */
  private readonly pendingIn: Record<LogSource, number> = { kafka: 0, http: 0 }

  constructor(registry: Registry, private readonly maxJobLabels = 500) {
    const registers = [registry]
    const pendingIn = this.pendingIn
    this.recordsIn = new Counter({
      name: 'flinkwatch_logs_records_in_total',
      help: 'Log records received, before decoding',
      labelNames: ['source'],
      registers,
      collect() {
        for (const source of ['kafka', 'http'] as const) {
          if (pendingIn[source] > 0) this.inc({ source }, pendingIn[source])
          pendingIn[source] = 0
        }
      },
    })
    this.stored = new Counter({ name: 'flinkwatch_logs_records_stored_total', help: 'Log records durably written (markers included)', registers })
    this.duplicates = new Counter({ name: 'flinkwatch_logs_duplicates_total', help: 'Redelivered log records skipped because their id was already stored', registers })
    this.dropped = new Counter({ name: 'flinkwatch_logs_dropped_total', help: 'Log records dropped by the rate limiter', labelNames: ['cluster', 'job', 'reason'], registers })
    this.rejected = new Counter({ name: 'flinkwatch_logs_rejected_total', help: 'Payloads that could not become a log record', labelNames: ['source', 'reason'], registers })
    this.decodeIssues = new Counter({ name: 'flinkwatch_logs_decode_issues_total', help: 'Records kept despite a decoding problem (raw text, truncation, bad types)', labelNames: ['issue'], registers })
    this.deadLettered = new Counter({ name: 'flinkwatch_logs_dead_lettered_total', help: 'Records the store refused, written to the dead-letter collection', registers })
    this.bulkDuration = new Histogram({
      name: 'flinkwatch_logs_bulk_duration_seconds',
      help: 'Time to write one bulk, retries included',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    })
    this.bulkRetries = new Counter({ name: 'flinkwatch_logs_bulk_retries_total', help: 'Bulk writes retried after a retriable store error', registers })
    this.consumerLag = new Gauge({ name: 'flinkwatch_logs_consumer_lag', help: 'Records between the last consumed offset and the partition end', labelNames: ['topic', 'partition'], registers })
    this.freshness = new Histogram({
      name: 'flinkwatch_logs_freshness_seconds',
      help: 'From a record\'s own timestamp to it being stored',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600],
      registers,
    })
    this.buffered = new Gauge({ name: 'flinkwatch_logs_buffered_records', help: 'Records waiting for or in a bulk', registers })
  }

  /** One record received (flinkwatch_logs_records_in_total, added up when scraped). */
  countIn(source: LogSource): void {
    this.pendingIn[source]++
  }

  /** The job label is bounded: past maxJobLabels distinct jobs, new ones are reported as "other". */
  jobLabel(cluster: string | null, job: string | null): { cluster: string; job: string } {
    const c = cluster ?? ''
    const j = job ?? ''
    const key = `${c}\u0000${j}`
    if (this.jobLabels.has(key)) return { cluster: c, job: j }
    if (this.jobLabels.size < this.maxJobLabels) {
      this.jobLabels.add(key)
      return { cluster: c, job: j }
    }
    return { cluster: c, job: 'other' }
  }
}
