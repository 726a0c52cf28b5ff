/**
 * The Flink Kubernetes Operator autoscaler's parallelism formula (alerting-and-scaling.md A1.2–A1.4), as a
 * baseline for the benchmark: busy-time TPR with MAX busy over a 15-minute window, target rate = input
 * rate + endpoint-interpolated lag growth, capacity = lag/catchUp + rate × restart/catchUp + rate/0.7,
 * the [0.4, 1.0] utilisation trigger band, a scale-down capped at 0.6 and delayed by an hour (using the
 * maximum recommendation seen while pending), partition alignment by searching for a divisor. Like the operator,
 * it only looks at metrics of the current deployment: samples at another parallelism (before the last rescale)
 * and those of the stabilization interval after it are ignored.
 */
import type { VertexSample } from '../../src/recommend/model.js'

export interface AutoscalerConfig {
  windowMs: number
  stabilizationMs: number
  target: number
  boundary: number
  catchUpMs: number
  restartMs: number
  scaleDownMaxFactor: number
  scaleDownIntervalMs: number
}

export const AUTOSCALER_DEFAULTS: AutoscalerConfig = {
  windowMs: 15 * 60_000,
  stabilizationMs: 5 * 60_000,
  target: 0.7,
  boundary: 0.3,
  catchUpMs: 30 * 60_000,
  restartMs: 5 * 60_000,
  scaleDownMaxFactor: 0.6,
  scaleDownIntervalMs: 60 * 60_000,
}

export interface AutoscalerState {
  /** The parallelism the autoscaler last decided on. */
  parallelism: number
  pendingDownSince: number | null
  pendingDownMax: number
}

export function autoscalerStep(all: readonly VertexSample[], now: number, state: AutoscalerState, cfg: AutoscalerConfig = AUTOSCALER_DEFAULTS, partitions?: number | null): AutoscalerState {
  const upto = all.filter((s) => s.at <= now)
  const newest = upto[upto.length - 1]
  if (!newest) return state
  // Metric history starts over with each deployment, after the stabilization interval.
  let deployedAt = newest.at
  for (let i = upto.length - 1; i >= 0 && upto[i]!.parallelism === newest.parallelism; i--) deployedAt = upto[i]!.at
  const changed = upto[0]!.parallelism !== newest.parallelism || upto.some((s) => s.parallelism !== newest.parallelism)
  const from = Math.max(now - cfg.windowMs, changed ? deployedAt + cfg.stabilizationMs : -Infinity)
  const w = upto.filter((s) => s.at > from && s.parallelism === newest.parallelism && s.busy !== null && s.recordsInPerSec !== null)
  if (w.length < 2) return state
  const actualP = w[w.length - 1]!.parallelism
  const avgRate = w.reduce((a, s) => a + s.recordsInPerSec!, 0) / w.length
  const avgBusy = w.reduce((a, s) => a + s.busy!, 0) / w.length
  if (avgBusy <= 0) return state
  // TPR of the whole vertex at the actual parallelism, scaled linearly to the autoscaler's own parallelism.
  const tpr = (avgRate / avgBusy) * (state.parallelism / actualP)
  const first = w[0]!
  const last = w[w.length - 1]!
  const lagRate = first.lag !== null && last.lag !== null && last.at > first.at ? (last.lag - first.lag) / ((last.at - first.at) / 1000) : 0
  const targetRate = Math.max(0, avgRate + lagRate)
  const lag = last.lag ?? 0
  const catchUp = cfg.catchUpMs / 1000
  const capacityAt = (u: number, restart: boolean): number => lag / catchUp + (restart ? (targetRate * cfg.restartMs) / cfg.catchUpMs : 0) + targetRate / u
  const upThreshold = capacityAt(cfg.target + cfg.boundary, false)
  const downThreshold = capacityAt(cfg.target - cfg.boundary, true)
  if (tpr >= upThreshold && tpr <= downThreshold) return { ...state, pendingDownSince: null, pendingDownMax: 0 }
  const targetCapacity = Math.round(capacityAt(cfg.target, true))
  const factor = Math.max(1 - cfg.scaleDownMaxFactor, targetCapacity / tpr)
  let p = Math.max(1, Math.ceil(factor * state.parallelism))
  if (partitions) p = alignDivisor(p, partitions)
  if (p > state.parallelism) return { parallelism: p, pendingDownSince: null, pendingDownMax: 0 }
  if (p === state.parallelism) return state
  // Scale-down: only after it was pending for the whole interval, at the maximum seen meanwhile.
  const since = state.pendingDownSince ?? now
  const max = Math.max(state.pendingDownMax, p)
  if (now - since >= cfg.scaleDownIntervalMs) return { parallelism: max, pendingDownSince: null, pendingDownMax: 0 }
  return { ...state, pendingDownSince: since, pendingDownMax: max }
}

/** Releases ≤ 1.15 (EVENLY_SPREAD): search upward for a divisor of N, else keep p. */
function alignDivisor(p: number, n: number): number {
  for (let q = p; q <= n; q++) if (n % q === 0) return q
  return Math.min(p, n)
}
