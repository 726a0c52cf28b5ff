/**
 * Parallelism and memory recommendations from metric history — pure functions, table-testable.
 *
 * Starts from the Flink Kubernetes Operator autoscaler's model (alerting-and-scaling.md A1): the true
 * processing rate comes from busy time, the target utilisation is 0.7, lag is caught up within a set time,
 * source parallelism is aligned to the Kafka partition count, heap = peak usage + headroom. Changed where
 * the autoscaler is known to be weak:
 * - skew: capacity per subtask is measured at the *busiest* subtask (max busy), so a hot key is provisioned
 *   for, not averaged away (FLINK-30652);
 * - churn: demand is a high percentile over a long window (24 h by default, a full daily cycle) instead of a
 *   15-minute mean, and the previous recommendation is kept unless the new one differs by two or more
 *   subtasks (hysteresis; FLINK-36018 reports > 20 rescales a day);
 * - backlog: rates are time-weighted over every sample (not endpoint interpolation, FLINK-39306), a lag that
 *   drains within the catch-up time needs nothing extra, and nothing is scaled down while a backlog exists
 *   (FLINK-31318); one-off lag jumps fall outside the percentile;
 * - partitions: a prime partition count never cancels or reverses a scale (FLINK-39299): the parallelism is
 *   raised to the smallest value with the same partitions per subtask, capped at the partition count.
 */

export interface VertexSample {
  at: number
  parallelism: number
  /** Busiest subtask's busy ratio 0..1. */
  busy: number | null
  recordsInPerSec: number | null
  lag: number | null
}

export interface ModelConfig {
  targetUtilization: number
  catchUpMs: number
  /** The minimum number of usable samples before recommending. */
  minSamples: number
  /**
   * History a first recommendation needs (no previous one): its p-percentile over at least this long is the
   * evidence that stands in for "sustained". A saturated vertex gets its scale-up before.
   */
  firstRecommendationAfterMs: number
  /** Demand percentile over the window (0..1). */
  demandPercentile: number
  /** Hysteresis band: the previous recommendation stands unless the new value is this many subtasks away. */
  hysteresis: number
  /** A scale-up (outside the band, not urgent) must persist this long before it is recommended. */
  scaleUpAfterMs: number
  /** A scale-down must persist this long (consistently low) and then goes to the largest value seen meanwhile. */
  scaleDownAfterMs: number
  /** Lag older than this many seconds of input is a backlog: no scale-down. */
  backlogSeconds: number
  /** Busiest-subtask busy ratio at the previous recommendation above which a scale-up is urgent (no band, no wait). */
  saturation: number
  /** Two samples further apart than this are a gap (restart, outage): no lag-rate across it. */
  maxGapMs: number
}

export const DEFAULT_MODEL: ModelConfig = {
  targetUtilization: 0.7,
  catchUpMs: 15 * 60_000,
  minSamples: 5,
  firstRecommendationAfterMs: 60 * 60_000,
  demandPercentile: 0.95,
  hysteresis: 2,
  scaleUpAfterMs: 30 * 60_000,
  scaleDownAfterMs: 60 * 60_000,
  backlogSeconds: 300,
  saturation: 0.9,
  maxGapMs: 5 * 60_000,
}

export type Confidence = 'low' | 'medium' | 'high'

/**
 * What the recommender carries from one computation to the next (hysteresis): the standing recommendation and a
 * change waiting to be confirmed.
 */
export interface HysteresisState {
  recommended: number
  pending: { direction: 'up' | 'down'; since: number; target: number } | null
}

export interface ParallelismRecommendation {
  current: number
  /** null while there is too little history for a first recommendation (the reason says what is missing). */
  recommended: number | null
  reason: string
  confidence: Confidence
  window: { from: number; to: number; samples: number }
  figures: { capacityPerSubtask: number | null; demandPerSec: number | null; lag: number | null; predictedBusy: number | null }
  /** Pass back as `previous` next time; null until there is a first recommendation. */
  state: HysteresisState | null
}

export interface VertexInput {
  samples: readonly VertexSample[]
  isSource: boolean
  /** Kafka partitions read by this source, when known. */
  partitions?: number | null
  maxParallelism?: number | null
  /** The state returned last time (or just the previous recommended value). */
  previous?: HysteresisState | number | null
  /** When the recommendation is computed (epoch ms); the newest sample's time by default. */
  now?: number
}

const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d

function percentile(values: readonly number[], q: number): number {
  const s = Float64Array.from(values).sort()
  if (s.length === 0) return 0
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))
  return s[i]!
}

function median(values: readonly number[]): number {
  return percentile(values, 0.5)
}

const minutes = (ms: number): number => Math.round(ms / 60_000)

/**
 * Parallelism aligned to a partition count: never above it, and never lower than asked. The busiest subtask reads
 * ceil(partitions / p) partitions, so p subtasks only deliver what the model counted on when no subtask reads more
 * than the even share partitions / p: the smallest such value at or above p. (Rounding down to the smallest p
 * with the same ceil(partitions / p), as before, turned 12 of 16 partitions into 8, a scale-up into a scale-down.)
 */
export function alignToPartitions(p: number, partitions: number | null | undefined): number {
  if (!partitions || partitions < 1) return p
  if (p >= partitions) return partitions
  const perSubtask = Math.floor(partitions / p)
  return Math.ceil(partitions / perSubtask)
}

/** Least-squares slope (records/s per s) of lag over the samples: robust where endpoints are not (FLINK-39306). */
function lagSlope(samples: readonly VertexSample[]): number {
  const pts = samples.filter((s) => s.lag !== null)
  if (pts.length < 2) return 0
  const t0 = pts[0]!.at
  let n = 0
  let sx = 0
  let sy = 0
  let sxx = 0
  let sxy = 0
  for (const p of pts) {
    const x = (p.at - t0) / 1000
    const y = p.lag!
    n++
    sx += x
    sy += y
    sxx += x * x
    sxy += x * y
  }
  const d = n * sxx - sx * sx
  return d > 0 ? (n * sxy - sx * sy) / d : 0
}

export function recommendParallelism(v: VertexInput, cfg: ModelConfig = DEFAULT_MODEL): ParallelismRecommendation {
  const samples = [...v.samples].filter((s) => s.parallelism > 0).sort((a, b) => a.at - b.at)
  const last = samples[samples.length - 1]
  const prevState: HysteresisState | null = typeof v.previous === 'number' ? { recommended: v.previous, pending: null } : (v.previous ?? null)
  const current = last?.parallelism ?? prevState?.recommended ?? 1
  const previous = prevState?.recommended ?? current
  const now = v.now ?? last?.at ?? 0
  const window = { from: samples[0]?.at ?? 0, to: last?.at ?? 0, samples: samples.length }
  const empty = { capacityPerSubtask: null, demandPerSec: null, lag: null, predictedBusy: null }

  // Per sample: capacity of one subtask at the busiest subtask, and the arrival rate = records read + how fast
  // the lag changed since the previous sample (signed: while a backlog drains, the source reads faster than
  // records arrive, and that surplus is not demand).
  const capacities: number[] = []
  const demands: number[] = []
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!
    if (s.recordsInPerSec === null || s.busy === null) continue
    if (s.busy >= 0.05) capacities.push(s.recordsInPerSec / (s.parallelism * s.busy))
    let lagRate = 0
    const prev = samples[i - 1]
    if (prev && s.lag !== null && prev.lag !== null && s.at > prev.at && s.at - prev.at <= cfg.maxGapMs) lagRate = (s.lag - prev.lag) / ((s.at - prev.at) / 1000)
    demands.push(Math.max(0, s.recordsInPerSec + lagRate))
  }
  if (capacities.length < cfg.minSamples || demands.length < cfg.minSamples || !last) {
    const why = samples.length > 0 && samples.every((s) => s.busy === null) ? 'no busy time reported (sources often report none)' : `${capacities.length} usable sample(s), ${cfg.minSamples} needed`
    const keep = prevState ? `; keeping ${prevState.recommended}` : ''
    return { current, recommended: prevState?.recommended ?? null, reason: `insufficient data: ${why}${keep}`, confidence: 'low', window, figures: empty, state: prevState }
  }

  // Capacity of one subtask measured at the busiest subtask: skew is provisioned for, not averaged away.
  const capacity = median(capacities)
  const demand = percentile(demands, cfg.demandPercentile)
  // The recent arrival rate (last 15 samples), for the backlog figures.
  const recent = demands.slice(-15)
  const nowRate = recent.length > 0 ? median(recent) : demand
  const lag = last.lag ?? 0
  let raw = Math.max(1, Math.ceil(demand / (capacity * cfg.targetUtilization)))
  const reasons: string[] = [
    `p${Math.round(cfg.demandPercentile * 100)} demand ${round(demand)}/s over ${samples.length} samples; one subtask handles ${round(capacity)}/s at its busiest subtask; ${cfg.targetUtilization} target utilisation needs ${raw}`,
  ]

  // Backlog. A growing lag already raised the demand; a draining one needs nothing more; one that stays put
  // gets enough extra capacity to drain within the catch-up time.
  const backlog = lag > 0 && nowRate > 0 && lag / nowRate > cfg.backlogSeconds
  const trendFrom = last.at - 30 * 60_000
  const lagTrend = lagSlope(samples.filter((s) => s.at >= trendFrom))
  const draining = lagTrend < -Math.max(1, nowRate * 0.01)
  if (lag > 0 && !draining && lagTrend <= nowRate * 0.01) {
    const drainRate = raw * capacity - nowRate
    const drainMs = drainRate > 0 ? (lag / drainRate) * 1000 : Infinity
    if (drainMs > cfg.catchUpMs) {
      const needed = Math.ceil((nowRate + lag / (cfg.catchUpMs / 1000)) / capacity)
      if (needed > raw) {
        raw = needed
        reasons.push(`lag of ${Math.round(lag)} records is not draining: ${needed} to catch up within ${minutes(cfg.catchUpMs)} min`)
      }
    }
  }
  if (backlog && raw < previous) {
    raw = previous
    reasons.push(`no scale-down while a backlog of ${Math.round(lag)} records (${Math.round(lag / nowRate)} s of input) ${draining ? 'drains' : 'exists'}`)
  }
  if (v.maxParallelism && raw > v.maxParallelism) {
    raw = v.maxParallelism
    reasons.push(`capped at max parallelism ${v.maxParallelism}`)
  }
  if (v.isSource && v.partitions) {
    const aligned = alignToPartitions(raw, v.partitions)
    if (aligned !== raw) reasons.push(`aligned to ${v.partitions} Kafka partitions: ${aligned}`)
    raw = aligned
  }

  // Hysteresis: the previous recommendation stands unless the new value leaves the band around it and stays out
  // (a scale-up for `scaleUpAfterMs`, a scale-down for `scaleDownAfterMs`, then to the largest value seen while
  // it was pending). A saturated vertex (its busiest subtask would be over `saturation` at the previous value)
  // or a growing backlog scales up at once, by one subtask if need be.
  const saturated = demand / (previous * capacity) > cfg.saturation
  const urgent = saturated || (backlog && !draining && raw > previous)
  const urgentWhy = saturated ? `at ${previous} the busiest subtask cannot keep up` : `the backlog does not drain at ${previous}`
  const span = last.at - samples[0]!.at
  let recommended: number
  let pending: HysteresisState['pending'] = null
  if (prevState) {
    const h = hysteresis(raw, previous, prevState.pending, now, { urgent, urgentWhy, cfg })
    recommended = h.recommended
    pending = h.pending
    if (h.note) reasons.push(h.note)
  } else if (span >= cfg.firstRecommendationAfterMs || (urgent && raw > current)) {
    // A first recommendation: the percentile over the history is the evidence, no earlier value to stay near.
    recommended = raw
    if (span < cfg.firstRecommendationAfterMs) reasons.push(`scaling up now: ${urgentWhy}`)
  } else {
    return {
      current,
      recommended: null,
      reason: `collecting history: ${minutes(span)} min of ${minutes(cfg.firstRecommendationAfterMs)} min needed for a first recommendation (the model would say ${raw} so far)`,
      confidence: 'low',
      window,
      figures: { capacityPerSubtask: round(capacity), demandPerSec: round(demand), lag, predictedBusy: null },
      state: null,
    }
  }
  const spread = capacities.length > 1 ? percentile(capacities, 0.9) / Math.max(percentile(capacities, 0.1), 1e-9) : Infinity
  const confidence: Confidence = capacities.length >= 60 && spread < 1.5 ? 'high' : capacities.length >= 15 && spread < 2.5 ? 'medium' : 'low'
  const predictedBusy = round(demand / (recommended * capacity))
  return {
    current,
    recommended,
    reason: reasons.join('; '),
    confidence,
    window,
    figures: { capacityPerSubtask: round(capacity), demandPerSec: round(demand), lag, predictedBusy },
    state: { recommended, pending },
  }
}

function hysteresis(
  raw: number,
  previous: number,
  pending: HysteresisState['pending'],
  now: number,
  o: { urgent: boolean; urgentWhy: string; cfg: ModelConfig },
): { recommended: number; pending: HysteresisState['pending']; note: string | null } {
  const { cfg } = o
  if (raw === previous) return { recommended: previous, pending: null, note: null }
  if (raw > previous) {
    if (o.urgent) return { recommended: raw, pending: null, note: `scaling up now: ${o.urgentWhy}` }
    if (raw - previous < cfg.hysteresis) return { recommended: previous, pending: null, note: `within ${cfg.hysteresis - 1} of the previous recommendation ${previous}: keeping it (hysteresis)` }
    const since = pending?.direction === 'up' ? pending.since : now
    if (now - since >= cfg.scaleUpAfterMs) return { recommended: raw, pending: null, note: `above ${previous} for ${minutes(now - since)} min: scaling up` }
    return { recommended: previous, pending: { direction: 'up', since, target: raw }, note: `${raw} pending since ${minutes(now - since)} min ago; keeping ${previous} until it holds for ${minutes(cfg.scaleUpAfterMs)} min` }
  }
  if (previous - raw < cfg.hysteresis) return { recommended: previous, pending: null, note: `within ${cfg.hysteresis - 1} of the previous recommendation ${previous}: keeping it (hysteresis)` }
  const since = pending?.direction === 'down' ? pending.since : now
  const target = pending?.direction === 'down' ? Math.max(pending.target, raw) : raw
  if (now - since >= cfg.scaleDownAfterMs) return { recommended: target, pending: null, note: `consistently low for ${minutes(now - since)} min: scaling down to ${target}, the largest value seen meanwhile` }
  return { recommended: previous, pending: { direction: 'down', since, target }, note: `scale-down to ${target} pending since ${minutes(now - since)} min ago; keeping ${previous} until it is consistently low for ${minutes(cfg.scaleDownAfterMs)} min` }
}

export interface MemorySample {
  at: number
  heapUsedBytes: number | null
  heapMaxBytes: number | null
}

/** `none`: no recommendation can be made from what the history holds. */
export type MemoryConfidence = Confidence | 'none'

export interface MemoryRecommendation {
  current: number | null
  recommended: number | null
  reason: string
  confidence: MemoryConfidence
  window: { from: number; to: number; samples: number }
}

const MiB = 1024 * 1024

/** TaskManager heap = peak used × (1 + headroom), rounded up to 64 MiB; never below what is observed. */
export function recommendHeap(samples: readonly MemorySample[], headroom: number, minSamples = 5): MemoryRecommendation {
  const used = samples.filter((s) => s.heapUsedBytes !== null).map((s) => s.heapUsedBytes!)
  const max = samples.map((s) => s.heapMaxBytes).filter((v): v is number => v !== null)
  const current = max.length > 0 ? max[max.length - 1]! : null
  const window = { from: samples[0]?.at ?? 0, to: samples[samples.length - 1]?.at ?? 0, samples: used.length }
  if (used.length < minSamples) return { current, recommended: current, reason: `insufficient data: ${used.length} heap sample(s)`, confidence: 'low', window }
  const peak = Math.max(...used)
  const recommended = Math.ceil((peak * (1 + headroom)) / (64 * MiB)) * 64 * MiB
  const reason = `peak heap used ${Math.round(peak / MiB)} MiB + ${Math.round(headroom * 100)}% headroom${current ? ` (configured ${Math.round(current / MiB)} MiB)` : ''}`
  return { current, recommended, reason, confidence: used.length >= 60 ? 'high' : used.length >= 15 ? 'medium' : 'low', window }
}

export const NO_MANAGED_MEMORY_HISTORY = 'no managed-memory usage in history; Flink exposes it per TaskManager as Status.Flink.Memory.Managed.Used'

/**
 * Managed memory: the history samples carry no managed-memory usage (src/fleet/history.ts), so there is
 * nothing to size it from; the answer says so, with the configured size for reference, instead of pretending
 * the configured size was checked.
 */
export function recommendManaged(current: number | null, window: { from: number; to: number }): MemoryRecommendation {
  return { current, recommended: null, reason: NO_MANAGED_MEMORY_HISTORY, confidence: 'none', window: { from: window.from, to: window.to, samples: 0 } }
}
