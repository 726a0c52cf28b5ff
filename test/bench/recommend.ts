/**
 * Benchmark (`npm run bench -- recommend [--jobs 200]`): simulated jobs with a known true per-subtask capacity
 * and skew, four load shapes (steady, diurnal, skewed, lag-spike), one sample a minute for three days.
 *
 * The simulation is closed-loop, as a real deployment is: every 15 minutes the recommender looks at the
 * history and its recommendation is applied to the simulated job after a deploy delay (5 min) and a restart
 * (2 min without processing, lag grows, no samples), so an under-provisioned job gets the parallelism it was
 * recommended and its backlog drains. flinkwatch's recommender and the operator autoscaler's formula each drive
 * their own copy of every job over the same load (same rates, same lag spikes).
 *
 * Printed per shape and overall, for both: the share of recommendations within one subtask of the true optimum
 * (scored after the first day, once a full daily cycle is in the window), the recommendation changes per job per
 * simulated day over all three days (the first recommendation is not a change), and the same for days 2-3 only,
 * once the first day's initial sizing is done (`settledChangesPerJobPerDay`: churn proper).
 */
import { parseArgs } from 'node:util'
import { DEFAULT_MODEL, recommendParallelism, type HysteresisState, type VertexSample } from '../../src/recommend/model.js'
import { AUTOSCALER_DEFAULTS, autoscalerStep, type AutoscalerState } from './autoscaler.js'

type Shape = 'steady' | 'diurnal' | 'skewed' | 'lag-spike'
const SHAPES: Shape[] = ['steady', 'diurnal', 'skewed', 'lag-spike']
const MIN = 60_000
const DAY = 24 * 60 * MIN
const DAYS = 3
const EVERY = 15 * MIN
const WINDOW = DAY
/** Between a recommendation and its deployment (someone or something applies it). */
const DEPLOY_DELAY = 5 * MIN
/** A rescale is a restart: this long without processing (and without samples). */
const RESTART = 2 * MIN

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** The load a job gets, independent of how it is provisioned. */
interface Load {
  shape: Shape
  optimum: number
  /** Records/s one subtask handles at 100% busy. */
  capacity: number
  /** Busiest subtask load / mean. */
  skew: number
  /** Starting parallelism. */
  p0: number
  /** Arrival rate per minute. */
  rates: Float64Array
  /** Records dumped into the backlog at once per minute (an upstream outage ending). */
  spikes: Float64Array
  seed: number
}

function load(shape: Shape, seed: number): Load {
  const r = rng(seed)
  const capacity = 500 + r() * 4500
  const skew = shape === 'skewed' ? 1.5 + r() * 1.5 : 1 + r() * 0.1
  const optimum = 1 + Math.floor(r() * 24)
  // Peak demand chosen so that `optimum` subtasks keep the busiest one at 0.7 busy, just.
  const peak = ((optimum - 0.15 - r() * 0.7) * capacity * 0.7) / skew
  const p0 = Math.max(1, Math.round(optimum * (0.5 + r())))
  const phase = r() * DAY
  const n = (DAYS * DAY) / MIN
  const rates = new Float64Array(n)
  const spikes = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t = i * MIN
    let rate = peak * (0.97 + 0.03 * r())
    if (shape === 'diurnal') rate = peak * (0.55 + 0.45 * Math.sin((2 * Math.PI * (t + phase)) / DAY)) * (0.98 + 0.02 * r())
    rates[i] = rate
    // A lag spike: an upstream outage leaves a backlog of 10-30 minutes of input, once or twice a day.
    if (shape === 'lag-spike' && (t + phase) % (DAY / 2) < MIN) spikes[i] = rate * 60 * (10 + r() * 20)
  }
  return { shape, optimum, capacity, skew, p0, rates, spikes, seed }
}

interface Score {
  within: number
  total: number
  /** Changes after the first day. */
  changes: number
  /** Changes during the first day. */
  initialChanges: number
  rescales: number
}

const emptyScore = (): Score => ({ within: 0, total: 0, changes: 0, initialChanges: 0, rescales: 0 })

/** Decides a parallelism from the history so far; returns the recommendation. */
type Policy = (samples: readonly VertexSample[], now: number) => number | null

/** Runs one job closed-loop under one policy. */
function play(l: Load, policy: Policy): Score {
  const score = emptyScore()
  const noise = rng(l.seed * 7 + 13)
  const samples: VertexSample[] = []
  let p = l.p0
  let lag = 0
  let downUntil = -1
  let deploy: { at: number } | null = null
  let recommended: number | null = null
  let lo = 0
  for (let i = 0; i < l.rates.length; i++) {
    const t = i * MIN
    const rate = l.rates[i]!
    lag += l.spikes[i]!
    if (deploy && t >= deploy.at && recommended !== null) {
      if (recommended !== p) {
        p = recommended
        downUntil = t + RESTART
        score.rescales++
      }
      deploy = null
    }
    if (t < downUntil) {
      lag += rate * 60
    } else {
      const maxProcessed = (p * l.capacity) / l.skew
      const processed = Math.min(rate + lag / 60, maxProcessed)
      lag = Math.max(0, lag + (rate - processed) * 60)
      const busy = Math.min(1, ((processed * l.skew) / (p * l.capacity)) * (0.97 + 0.06 * noise()))
      samples.push({ at: t, parallelism: p, busy, recordsInPerSec: processed, lag })
    }
    const now = t + MIN
    if (now % EVERY !== 0) continue
    while (lo < samples.length && samples[lo]!.at <= now - WINDOW) lo++
    const rec = policy(samples.slice(lo), now)
    if (rec === null) continue
    if (recommended !== null && rec !== recommended) {
      if (now > DAY) score.changes++
      else score.initialChanges++
    }
    recommended = rec
    if (rec !== p && !deploy) deploy = { at: now + DEPLOY_DELAY }
    // Accuracy is scored after the first day, once a full daily cycle is in the window.
    if (now > DAY) {
      score.total++
      if (Math.abs(rec - l.optimum) <= 1) score.within++
    }
  }
  return score
}

function flinkwatchPolicy(): Policy {
  let state: HysteresisState | null = null
  return (samples, now) => {
    const rec = recommendParallelism({ samples, isSource: false, previous: state, now }, { ...DEFAULT_MODEL, catchUpMs: 15 * MIN })
    state = rec.state
    return rec.recommended
  }
}

function autoscalerPolicy(p0: number): Policy {
  let as: AutoscalerState = { parallelism: p0, pendingDownSince: null, pendingDownMax: 0 }
  return (samples, now) => {
    as = autoscalerStep(samples, now, as, AUTOSCALER_DEFAULTS)
    return as.parallelism
  }
}

export default function main(args: string[] = []): void {
  const { values } = parseArgs({ args, options: { jobs: { type: 'string', default: '200' } } })
  const jobs = Math.max(SHAPES.length, Number(values.jobs) || 200)
  const started = Date.now()
  const per: Record<string, { ours: Score; autoscaler: Score; jobs: number }> = {}
  for (let i = 0; i < jobs; i++) {
    const shape = SHAPES[i % SHAPES.length]!
    const l = load(shape, 1000 + i)
    const acc = (per[shape] ??= { ours: emptyScore(), autoscaler: emptyScore(), jobs: 0 })
    acc.jobs++
    const r = { ours: play(l, flinkwatchPolicy()), autoscaler: play(l, autoscalerPolicy(l.p0)) }
    for (const k of ['ours', 'autoscaler'] as const) for (const f of Object.keys(r[k]) as (keyof Score)[]) acc[k][f] += r[k][f]
  }
  const figures = (s: Score, n: number) => ({
    withinOneSubtask: Math.round((s.within / s.total) * 1000) / 1000,
    changesPerJobPerDay: Math.round(((s.changes + s.initialChanges) / n / DAYS) * 100) / 100,
    settledChangesPerJobPerDay: Math.round((s.changes / n / (DAYS - 1)) * 100) / 100,
    rescalesPerJob: Math.round((s.rescales / n) * 100) / 100,
  })
  const sum = (k: 'ours' | 'autoscaler'): Score =>
    Object.values(per).reduce((a, p) => {
      for (const f of Object.keys(a) as (keyof Score)[]) a[f] += p[k][f]
      return a
    }, emptyScore())
  const report = (k: 'ours' | 'autoscaler') => ({ overall: figures(sum(k), jobs), byShape: Object.fromEntries(Object.entries(per).map(([s, p]) => [s, figures(p[k], p.jobs)])) })
  const out = {
    benchmark: 'recommend',
    jobs,
    simulatedDays: DAYS,
    scoredAfterDay: 1,
    recomputeEveryMinutes: EVERY / MIN,
    deployDelayMinutes: DEPLOY_DELAY / MIN,
    restartMinutes: RESTART / MIN,
    flinkwatch: report('ours'),
    autoscaler: report('autoscaler'),
    elapsedMs: Date.now() - started,
  }
  console.log(JSON.stringify(out, null, 2))
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2))
