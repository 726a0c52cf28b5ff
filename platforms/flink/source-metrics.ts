/**
 * Source metric discovery: a source vertex's lag and input-rate metric ids are operator-scoped
 * (`Source__orders.pendingRecords`), so they are listed once per vertex and again only while no lag id
 * was found, and then asked for by name with the task metrics every vertex gets.
 */
import type { MetricList } from './flink-schemas.js'

/**
 * An empty answer (no ids, no figures) means the JobManager's metric store has nothing for the job
 * yet: its metric fetcher fills it only when a metric endpoint is asked, at most every
 * `metrics.fetcher.update-interval` (10 s), so the job's task metrics show up ~10 s after the first
 * question (seen on the stack's 1.20). Ask again every 5 s for half a minute, then back off (×2) up
 * to the normal cadence (a job whose metrics never come must not cost a request per poll).
 */
export function emptyRetryMs(emptyAnswers: number): number {
  return 5_000 * 2 ** Math.max(0, emptyAnswers - 6)
}

export const TASK_METRICS = ['busyTimeMsPerSecond', 'backPressuredTimeMsPerSecond', 'numRecordsInPerSecond', 'numRecordsOutPerSecond']
/** max for busy/backpressure and records-lag-max, sum for rates and pendingRecords, avg for the busy skew. */
export function metricsQuery(ids: readonly string[]): string {
  return `?get=${ids.map(encodeURIComponent).join(',')}&agg=max,avg,sum`
}
/** The query of every vertex without source metric ids. */
export const TASK_QUERY = metricsQuery(TASK_METRICS)
/** Source metrics are registered lazily (after partition assignment); look again at most this often. */
export const REDISCOVER_MS = 5 * 60_000
/** First wait before listing a source vertex's metric ids again when no lag metric was among them. */
export const REDISCOVER_FIRST_MS = 15_000

/** The lag and input-rate metric ids of one source vertex (operator-scoped: they contain the operator name). */
export interface SourceIds {
  /** The preferred lag id: `<op>.pendingRecords` (summed over subtasks), else `records-lag-max` (max). */
  lag: string | null
  lagAgg: 'sum' | 'max'
  /** Every `<op>.pendingRecords` of the vertex (chained sources add up). */
  pending: string[]
  /** `<op>.KafkaSourceReader.KafkaConsumer.records-lag-max` (or the legacy consumer's `<op>.records-lag-max`). */
  lagMax: string[]
  recordsIn: string | null
  discoveredAt: number
  /** When to list the ids again; null once `pendingRecords` is known (ids are stable for a job). */
  retryAt: number | null
  attempts: number
}

export function discoveryDue(src: SourceIds | undefined, now: number): boolean {
  return !src || (src.retryAt !== null && now >= src.retryAt)
}

export function sameIds(a: SourceIds | undefined, b: SourceIds): boolean {
  return !!a && a.recordsIn === b.recordsIn && a.pending.join() === b.pending.join() && a.lagMax.join() === b.lagMax.join()
}

/**
 * Picks a source vertex's lag and input-rate ids from its metric id list (operator-scoped ids contain
 * the operator name, e.g. `Source__orders.pendingRecords`) and decides when to list again: never once
 * `pendingRecords` is there; 5 s after an empty list (the JobManager had not fetched the job's
 * metrics yet), backing off; with a growing delay when only `records-lag-max` or nothing is there (registered
 * lazily after partition assignment, or not a Kafka source at all).
 */
export function discoverSourceIds(list: MetricList, now: number, previous?: SourceIds): SourceIds {
  const pending: string[] = []
  const consumerLagMax: string[] = []
  const legacyLagMax: string[] = []
  let recordsIn: string | null = null
  for (const { id } of list) {
    if (id.endsWith('.pendingRecords')) pending.push(id)
    else if (id.endsWith('.KafkaConsumer.records-lag-max')) consumerLagMax.push(id)
    else if (id.endsWith('.records-lag-max')) legacyLagMax.push(id)
    else if (recordsIn === null && id.startsWith('Source__') && id.endsWith('.numRecordsInPerSecond')) recordsIn = id
  }
  // The legacy FlinkKafkaConsumer registers the client metrics twice (`<op>.x` and `<op>.KafkaConsumer.x`): take one.
  const lagMax = consumerLagMax.length > 0 ? consumerLagMax : legacyLagMax
  const attempts = (previous?.attempts ?? 0) + 1
  const retryAt =
    pending.length > 0
      ? null
      : now + Math.min(REDISCOVER_MS, list.length === 0 ? emptyRetryMs(attempts) : REDISCOVER_FIRST_MS * 2 ** (attempts - 1))
  return {
    lag: pending[0] ?? lagMax[0] ?? null,
    lagAgg: pending.length > 0 ? 'sum' : 'max',
    pending,
    lagMax,
    recordsIn,
    discoveredAt: now,
    retryAt,
    attempts,
  }
}
