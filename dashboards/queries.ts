/**
 * Every metric the dashboards read, in one list, so tests can hold the dashboards to what flinkwatch
 * really registers (test/unit/dashboards/metrics-exist.test.ts) and what Prometheus really returns
 * (test/integration/dashboards-prometheus.test.ts).
 *
 * Label contract assumed by the queries: cluster metrics carry `cluster`; job metrics carry
 * `cluster`, `job_id` and `job_name`; Prometheus adds `instance` and `job` (the scrape job).
 */

import { FLEET_METRICS as F } from '../src/metrics/fleet-exporter.js'

export type MetricType = 'gauge' | 'counter' | 'histogram'

export interface MetricRef {
  readonly name: string
  readonly type: MetricType
}

const m = (name: string, type: MetricType): MetricRef => ({ name, type })

/**
 * Names come from the exporter's own list where it has one, so a rename there reaches the dashboards;
 * the types are what the queries assume (restarts and failed checkpoints are Flink's counts exported
 * as gauges: panels use max_over_time - min_over_time, not increase()).
 */
export const METRICS = {
  // flinkwatch's fleet exporter (src/metrics/fleet-exporter.ts)
  clusterUp: m(F.clusterUp, 'gauge'),
  clusterTaskManagers: m(F.clusterTaskManagers, 'gauge'),
  clusterSlots: m(F.clusterSlots, 'gauge'),
  clusterSlotsAvailable: m(F.clusterSlotsAvailable, 'gauge'),
  jobState: m(F.jobState, 'gauge'),
  jobRestarts: m(F.jobRestarts, 'gauge'),
  checkpointAge: m(F.checkpointAge, 'gauge'),
  checkpointDuration: m(F.checkpointDuration, 'gauge'),
  checkpointSize: m(F.checkpointSize, 'gauge'),
  checkpointsCompleted: m(F.checkpointsCompleted, 'gauge'),
  checkpointsFailed: m(F.checkpointsFailed, 'gauge'),
  kafkaLag: m(F.kafkaLag, 'gauge'),
  backpressure: m(F.backpressure, 'gauge'),
  busy: m(F.busy, 'gauge'),
  recordsIn: m(F.recordsIn, 'gauge'),
  recordsOut: m(F.recordsOut, 'gauge'),
  pollDuration: m(F.pollDuration, 'histogram'),
  collectorErrors: m(F.errors, 'counter'),
  // flinkwatch's own health (src/app.ts and prom-client's default process metrics)
  streamDropped: m('flinkwatch_stream_messages_dropped_total', 'counter'),
  cpu: m('process_cpu_seconds_total', 'counter'),
  rss: m('process_resident_memory_bytes', 'gauge'),
  heapUsed: m('nodejs_heap_size_used_bytes', 'gauge'),
  eventLoopLagP99: m('nodejs_eventloop_lag_p99_seconds', 'gauge'),
} as const satisfies Record<string, MetricRef>

/** Growth of a gauge that counts up (Flink's restart and checkpoint counts) over a window. */
export function growth(selector: string, window: string): string {
  return `(max_over_time(${selector}[${window}]) - min_over_time(${selector}[${window}]))`
}

/** The names of every metric a dashboard panel queries. */
export const DASHBOARD_METRICS: readonly string[] = Object.values(METRICS).map((x) => x.name)

/** Series Prometheus makes itself for each scrape target; flinkwatch does not register them. */
export const PROMETHEUS_SYNTHETIC: readonly string[] = ['up']

/** Metric names referenced by a PromQL expression (histogram series map to their histogram). */
export function metricsIn(expr: string): string[] {
  const histograms = new Set(Object.values(METRICS).filter((x) => x.type === 'histogram').map((x) => x.name))
  // Remove what holds label names and values, ranges and Grafana variables: none of it names a metric.
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\{?\w+\}?/g, '')
    // Grafana's label_values(metric, label): the second argument is a label.
    .replace(/label_values\(([^,)]*),\s*\w+\s*\)/g, '($1)')
  const names = new Set<string>()
  // An identifier not followed by "(" (functions and aggregations are) and not part of a number.
  for (const match of bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)\b(?!\s*\()/g)) {
    const word = match[1]!
    if (PROMQL_KEYWORDS.has(word)) continue
    const base = word.replace(/_(bucket|sum|count)$/, '')
    names.add(histograms.has(base) ? base : word)
  }
  return [...names].sort()
}

const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'Inf', 'NaN', 'inf', 'nan'])

// ---- selectors shared by the dashboards ----------------------------------------------------

/** Cluster selector for dashboards whose cluster variable allows several values ("All" = .*). */
export const CLUSTERS = 'cluster=~"$cluster"'
/** One job on one cluster (job detail dashboard). */
export const ONE_JOB = 'cluster="$cluster",job_name="$job"'
/** flinkwatch instances (health dashboard). */
export const INSTANCES = 'instance=~"$instance"'
