/**
 * Prometheus series for the fleet. Cluster and job gauges are computed at scrape time from the
 * FleetView (a custom collect() that resets and refills), so no stale label set survives a job:
 * a job's series exist while it is listed and not terminal for longer than `finishedJobTtlMs`.
 * The collectors' own health (poll duration, errors, requests, skipped ticks) are ordinary
 * counters and a histogram labelled by cluster only (bounded by configuration).
 */
import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client'
import type { Clock } from '../core/clock.js'
import type { FleetJobIteration, FleetView } from '../fleet/fleet-view.js'
import type { CollectorErrorReason } from '../model/cluster.js'
import type { JobSnapshot } from '../model/job.js'
import { escapeHelp, setBlockWriter } from './exposition.js'

/** Every metric name this exporter registers (dashboards and rules import these). */
export const FLEET_METRICS = {
  clusterUp: 'flinkwatch_cluster_up',
  clusterTaskManagers: 'flinkwatch_cluster_taskmanagers',
  clusterSlots: 'flinkwatch_cluster_slots',
  clusterSlotsAvailable: 'flinkwatch_cluster_slots_available',
  clusterJobs: 'flinkwatch_cluster_jobs',
  clusterJobsRunning: 'flinkwatch_cluster_jobs_running',
  clusterProbeFailures: 'flinkwatch_cluster_consecutive_probe_failures',
  jobState: 'flinkwatch_job_state',
  jobRestarts: 'flinkwatch_job_restarts',
  jobUptime: 'flinkwatch_job_uptime_seconds',
  checkpointAge: 'flinkwatch_job_last_checkpoint_age_seconds',
  checkpointDuration: 'flinkwatch_job_last_checkpoint_duration_seconds',
  checkpointSize: 'flinkwatch_job_last_checkpoint_size_bytes',
  checkpointsCompleted: 'flinkwatch_job_checkpoints_completed',
  checkpointsFailed: 'flinkwatch_job_checkpoints_failed',
  kafkaLag: 'flinkwatch_job_kafka_lag_records',
  backpressure: 'flinkwatch_job_backpressure_ratio',
  busy: 'flinkwatch_job_busy_ratio',
  recordsIn: 'flinkwatch_job_records_in_per_second',
  recordsOut: 'flinkwatch_job_records_out_per_second',
  heapUsed: 'flinkwatch_job_heap_used_bytes',
  heapMax: 'flinkwatch_job_heap_max_bytes',
  cpuLoad: 'flinkwatch_job_cpu_load_ratio',
  gcTime: 'flinkwatch_job_gc_time_ms_per_second',
  pollDuration: 'flinkwatch_collector_poll_duration_seconds',
  errors: 'flinkwatch_collector_errors_total',
  requests: 'flinkwatch_collector_requests_total',
  skipped: 'flinkwatch_collector_polls_skipped_total',
  watches: 'flinkwatch_collector_state_watches_total',
  historySamples: 'flinkwatch_history_samples_total',
} as const

export interface FleetMetrics {
  error(cluster: string, reason: CollectorErrorReason): void
  pollDuration(cluster: string, seconds: number, outcome: 'success' | 'failure'): void
  requests(cluster: string, n: number): void
  skipped(cluster: string): void
  watched(cluster: string, outcome: 'unchanged' | 'changed' | 'failed'): void
  samples(outcome: 'written' | 'failed', n: number): void
}

export interface FleetExporterOptions {
  registry: Registry
  view: FleetView
  clock: Clock
  clusters: readonly string[]
  /** Series of a terminal job disappear this long after it ended (default 15 min). */
  finishedJobTtlMs?: number
}

const JOB_LABELS = ['cluster', 'job_id', 'job_name'] as const
type JobLabels = Record<(typeof JOB_LABELS)[number], string>

/** One series of a job family: its labels, and the same rendered once in exposition format (`{a="x",b="y"}`). */
interface Series {
  labels: Record<string, string>
  rendered: string
}

const NO_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>

/** `{k="v",…}` with Prometheus label-value escaping (backslash, double quote, newline). */
function renderLabels(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`)
    .join(',')}}`
}

/**
 * A gauge family whose series are computed at scrape time (registered as a plain registry metric).
 *
 * `/metrics` (renderExposition) lets the family write its lines straight into the response buffer.
 * For `registry.metrics()` and `getMetricsAsJSON` each series is handed to prom-client with its label
 * set already rendered into `metricName` (same text, no label formatting per series per scrape); with
 * registry default labels, which prom-client merges into every series, the label objects are passed.
 */
function jobFamily(registry: Registry, name: string, help: string, samples: (each: (series: Series, value: number) => void) => void): void {
  const defaults = registry as unknown as { _defaultLabels?: Record<string, string> }
  const hasDefaults = (): boolean => Object.keys(defaults._defaultLabels ?? {}).length > 0
  const get = async () => {
    const plain = hasDefaults()
    const list: { metricName?: string; labels: Record<string, string>; value: number }[] = []
    samples((series, value) => list.push(plain ? { labels: series.labels, value } : { metricName: name + series.rendered, labels: NO_LABELS, value }))
    return { name, help, type: 'gauge', aggregator: 'sum', values: list }
  }
  const family = {
    name,
    help,
    type: 'gauge',
    aggregator: 'sum',
    get,
    reset: (): void => undefined,
  }
  registry.registerMetric(family as unknown as Metric)
  // renderExposition (/metrics) lets the family write straight into the response buffer, no block string.
  const head = `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} gauge`
  setBlockWriter(family, (out) => {
    out.write(head)
    samples((series, value) => out.write(`\n${name}${series.rendered} ${value}`))
  })
}

export function registerFleetMetrics(o: FleetExporterOptions): FleetMetrics {
  const registers = [o.registry]
  const ttl = o.finishedJobTtlMs ?? 15 * 60_000

  // One walk over the fleet per scrape, not one per job gauge: prom-client calls every gauge's
  // collect() synchronously within one registry.metrics() call, so the list is kept until the next
  // microtask. Label objects are kept per snapshot (collectors reuse a snapshot while nothing changed).
  let live: { job: JobSnapshot; series: Series }[] | null = null
  const seriesOf = new WeakMap<JobSnapshot, Series>()
  const each = (o.view as Partial<FleetJobIteration>).forEachJob?.bind(o.view)
  const liveJobs = (): { job: JobSnapshot; series: Series }[] => {
    if (live) return live
    const now = o.clock.now()
    const out: { job: JobSnapshot; series: Series }[] = []
    const add = (job: JobSnapshot, since: number | null): void => {
      if (since !== null && now - since >= ttl) return
      let series = seriesOf.get(job)
      if (!series) {
        const labels: JobLabels = { cluster: job.cluster, job_id: job.jobId, job_name: job.name }
        seriesOf.set(job, (series = { labels, rendered: renderLabels(labels) }))
      }
      out.push({ job, series })
    }
    if (each) each(add)
    else for (const j of o.view.jobs()) add(j, o.view.terminalSince(j.cluster, j.jobId))
    live = out
    queueMicrotask(() => (live = null))
    return out
  }

  const clusterGauge = (name: string, help: string, value: (c: ReturnType<FleetView['clusters']>[number]) => number | null): void => {
    new Gauge({
      name,
      help,
      labelNames: ['cluster'],
      registers,
      collect() {
        this.reset()
        for (const c of o.view.clusters()) {
          // Nothing is known before the first probe decided; do not report a false "down".
          if (c.lastSeen === null && c.consecutiveFailures === 0) continue
          const v = value(c)
          if (v !== null) this.set({ cluster: c.id }, v)
        }
      },
    })
  }
  clusterGauge(FLEET_METRICS.clusterUp, '1 when the cluster answers its probes, 0 after downAfter consecutive failures', (c) => (c.status === 'up' ? 1 : 0))
  clusterGauge(FLEET_METRICS.clusterTaskManagers, 'Registered TaskManagers at the last successful probe', (c) => (c.lastSeen === null ? null : c.taskManagers))
  clusterGauge(FLEET_METRICS.clusterSlots, 'Task slots in the cluster', (c) => (c.lastSeen === null ? null : c.slots.total))
  clusterGauge(FLEET_METRICS.clusterSlotsAvailable, 'Free task slots in the cluster', (c) => (c.lastSeen === null ? null : c.slots.available))
  clusterGauge(FLEET_METRICS.clusterJobs, 'Jobs the cluster lists (terminal included)', (c) => (c.lastSeen === null ? null : c.jobs.total))
  clusterGauge(FLEET_METRICS.clusterJobsRunning, 'Jobs in state RUNNING', (c) => (c.lastSeen === null ? null : c.jobs.running))
  clusterGauge(FLEET_METRICS.clusterProbeFailures, 'Failed probes in a row', (c) => c.consecutiveFailures)

  // Job families are plain registry metrics rather than prom-client Gauges: a Gauge hashes the label
  // set of every series on every set(), ~170,000 times per scrape for 10,000 jobs, which made a scrape
  // cost more than a whole poll cycle. Values are computed at scrape time; label objects are reused.
  const stateSeriesOf = new WeakMap<JobSnapshot, Series>()
  jobFamily(o.registry, FLEET_METRICS.jobState, 'Current job state: one series per job with value 1, labelled with the state', (each) => {
    for (const { job, series } of liveJobs()) {
      let s = stateSeriesOf.get(job)
      if (!s) {
        const labels = { ...series.labels, state: job.state }
        stateSeriesOf.set(job, (s = { labels, rendered: renderLabels(labels) }))
      }
      each(s, 1)
    }
  })

  const jobGauge = (name: string, help: string, value: (j: JobSnapshot, now: number) => number | null | undefined): void => {
    jobFamily(o.registry, name, help, (each) => {
      const now = o.clock.now()
      for (const { job, series } of liveJobs()) {
        const v = value(job, now)
        if (v !== null && v !== undefined && Number.isFinite(v)) each(series, v)
      }
    })
  }
  const running = (j: JobSnapshot): boolean => j.state === 'RUNNING'
  jobGauge(FLEET_METRICS.jobRestarts, "Restarts since submission (Flink's numRestarts; use delta()/increase())", (j) => j.restarts)
  jobGauge(FLEET_METRICS.jobUptime, 'Seconds since the job started (running jobs)', (j, now) => (running(j) && j.startTime ? (now - j.startTime) / 1000 : null))
  jobGauge(FLEET_METRICS.checkpointAge, 'Seconds since the last completed checkpoint (running jobs)', (j, now) =>
    running(j) && j.checkpoints?.lastCompleted ? Math.max(0, (now - j.checkpoints.lastCompleted.completedAt) / 1000) : null,
  )
  jobGauge(FLEET_METRICS.checkpointDuration, 'End-to-end duration of the last completed checkpoint', (j) => (j.checkpoints?.lastCompleted ? j.checkpoints.lastCompleted.durationMs / 1000 : null))
  jobGauge(FLEET_METRICS.checkpointSize, 'Checkpointed size of the last completed checkpoint', (j) => j.checkpoints?.lastCompleted?.sizeBytes)
  jobGauge(FLEET_METRICS.checkpointsCompleted, 'Completed checkpoints since the job (re)started (Flink counts)', (j) => j.checkpoints?.completed)
  jobGauge(FLEET_METRICS.checkpointsFailed, 'Failed checkpoints since the job (re)started (Flink counts; use delta())', (j) => j.checkpoints?.failed)
  jobGauge(FLEET_METRICS.kafkaLag, 'Kafka source lag in records (pendingRecords, or records-lag-max)', (j) => j.lag)
  jobGauge(FLEET_METRICS.backpressure, 'Max back-pressured time ratio over vertices and subtasks, 0..1', (j) => j.backpressure)
  jobGauge(FLEET_METRICS.busy, 'Max busy time ratio over vertices and subtasks, 0..1', (j) => j.busy)
  jobGauge(FLEET_METRICS.recordsIn, 'Records read by the sources per second', (j) => j.recordsInPerSec)
  jobGauge(FLEET_METRICS.recordsOut, 'Records reaching the sinks per second', (j) => j.recordsOutPerSec)
  jobGauge(FLEET_METRICS.heapUsed, "Heap used by the job's TaskManagers (cluster-wide in session clusters)", (j) => j.resources?.heapUsedBytes)
  jobGauge(FLEET_METRICS.heapMax, "Max heap of the job's TaskManagers (cluster-wide in session clusters)", (j) => j.resources?.heapMaxBytes)
  jobGauge(FLEET_METRICS.cpuLoad, 'Mean TaskManager process CPU load, 0..1', (j) => j.resources?.cpuLoad)
  jobGauge(FLEET_METRICS.gcTime, 'Mean TaskManager GC time in ms per second', (j) => j.resources?.gcTimeMsPerSec)

  const duration = new Histogram({
    name: FLEET_METRICS.pollDuration,
    help: 'Duration of one collector poll of one cluster',
    labelNames: ['cluster', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  })
  const errors = new Counter({ name: FLEET_METRICS.errors, help: 'Collector errors by reason (failed probes and failed detail requests)', labelNames: ['cluster', 'reason'], registers })
  const requests = new Counter({ name: FLEET_METRICS.requests, help: 'HTTP requests the collectors sent to the cluster', labelNames: ['cluster'], registers })
  const skipped = new Counter({ name: FLEET_METRICS.skipped, help: 'Poll ticks skipped because the previous poll was still running', labelNames: ['cluster'], registers })
  const watches = new Counter({
    name: FLEET_METRICS.watches,
    help: 'State watches between polls (GET /jobs): changed = a poll was started at once',
    labelNames: ['cluster', 'outcome'],
    registers,
  })
  const samples = new Counter({ name: FLEET_METRICS.historySamples, help: 'History samples written or failed', labelNames: ['outcome'], registers })
  // Pre-initialise the bounded label sets so rate() works from the first scrape.
  for (const c of o.clusters) {
    requests.inc({ cluster: c }, 0)
    skipped.inc({ cluster: c }, 0)
    for (const reason of ['timeout', 'connect', 'leader_election', 'http_5xx', 'decode'] as const) errors.inc({ cluster: c, reason }, 0)
  }
  samples.inc({ outcome: 'written' }, 0)
  samples.inc({ outcome: 'failed' }, 0)

  return {
    error: (cluster, reason) => errors.inc({ cluster, reason }),
    pollDuration: (cluster, seconds, outcome) => duration.observe({ cluster, outcome }, seconds),
    requests: (cluster, n) => requests.inc({ cluster }, n),
    skipped: (cluster) => skipped.inc({ cluster }),
    watched: (cluster, outcome) => watches.inc({ cluster, outcome }),
    samples: (outcome, n) => samples.inc({ outcome }, n),
  }
}
