/** The recommender's model as tables: load shapes with the parallelism range and the reasoning expected. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_MODEL, alignToPartitions, recommendHeap, recommendParallelism, type HysteresisState, type VertexSample } from '../../../src/recommend/model.js'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const MiB = 1024 * 1024

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

interface Shape {
  /** Records/s one subtask handles at 100% busy. */
  capacity: number
  /** Busiest subtask load / mean. */
  skew?: number
  parallelism: number
  /** Arrival rate at minute i. */
  rate(i: number): number
  /** Records added to the backlog at once at minute i. */
  spike?(i: number): number
  minutes: number
}

/** One sample a minute of a job at fixed parallelism: reads what arrives plus backlog, up to its capacity. */
function history(s: Shape, seed = 1): VertexSample[] {
  const r = rng(seed)
  const out: VertexSample[] = []
  let lag = 0
  const skew = s.skew ?? 1
  for (let i = 0; i < s.minutes; i++) {
    const rate = s.rate(i)
    lag += s.spike?.(i) ?? 0
    const processed = Math.min(rate + lag / 60, (s.parallelism * s.capacity) / skew)
    lag = Math.max(0, lag + (rate - processed) * 60)
    const busy = Math.min(1, ((processed * skew) / (s.parallelism * s.capacity)) * (0.98 + 0.04 * r()))
    out.push({ at: i * MIN, parallelism: s.parallelism, busy, recordsInPerSec: processed, lag })
  }
  return out
}

const noisy = (base: number, seed: number) => {
  const r = rng(seed)
  return () => base * (0.97 + 0.03 * r())
}

interface Row {
  name: string
  shape: Shape
  previous?: HysteresisState | number | null
  expect: [number, number]
  reason: RegExp[]
}

const steady = noisy(3400, 7)
const skewedRate = noisy(1700, 8)
const spikeRate = noisy(3000, 9)

const rows: Row[] = [
  {
    name: 'steady, under-provisioned: the optimum for 0.7 utilisation',
    // 3400/s at 1000/s per subtask: 3400 / 700 → 5.
    shape: { capacity: 1000, parallelism: 8, rate: steady, minutes: 6 * 60 },
    expect: [5, 5],
    reason: [/^p95 demand 3[34]\d\d(\.\d+)?\/s over 360 samples; one subtask handles 9\d\d(\.\d+)?\/s at its busiest subtask; 0.7 target utilisation needs 5$/],
  },
  {
    name: 'steady with a previous recommendation one away: kept (hysteresis)',
    shape: { capacity: 1000, parallelism: 6, rate: steady, minutes: 6 * 60 },
    previous: { recommended: 6, pending: null },
    expect: [6, 6],
    reason: [/needs 5/, /within 1 of the previous recommendation 6: keeping it \(hysteresis\)/],
  },
  {
    name: 'diurnal: sized for the daily peak (p95 over a day), not the trough',
    shape: { capacity: 1000, parallelism: 10, rate: (i) => 4000 + 3000 * Math.sin((2 * Math.PI * i) / (24 * 60)), minutes: 24 * 60 },
    // Peak 7000/s; p95 of a sine is ≈ 0.988 of its amplitude above the mean → ≈ 6960/s → 10.
    expect: [10, 10],
    reason: [/^p95 demand 69\d\d/],
  },
  {
    name: 'skewed: capacity measured at the busiest subtask (a hot key needs more subtasks)',
    // 1700/s; the busiest subtask gets 2.5× the mean: effectively 400/s per subtask → 1700 / 280 → 7.
    shape: { capacity: 1000, skew: 2.5, parallelism: 6, rate: skewedRate, minutes: 6 * 60 },
    expect: [7, 7],
    reason: [/one subtask handles (39\d|40\d)(\.\d+)?\/s at its busiest subtask/],
  },
  {
    name: 'lag spike draining: no catch-up capacity, and no scale-down while the backlog drains',
    // 3000/s at 1000/s per subtask needs 5; a 20-minute backlog dumped 30 minutes ago is still draining at 8.
    shape: { capacity: 1000, parallelism: 8, rate: spikeRate, spike: (i) => (i === 6 * 60 - 30 ? 3000 * 60 * 60 : 0), minutes: 6 * 60 },
    previous: { recommended: 8, pending: null },
    expect: [8, 8],
    reason: [/needs 5/, /no scale-down while a backlog of \d+ records \(\d+ s of input\) drains/],
  },
  {
    name: 'lag spike at a saturated job: growing backlog scales up at once',
    // 3000/s arrives, 3 subtasks read 3000/s at most: the backlog never drains.
    shape: { capacity: 1000, parallelism: 3, rate: spikeRate, spike: (i) => (i === 4 * 60 ? 3000 * 60 * 20 : 0), minutes: 6 * 60 },
    previous: { recommended: 3, pending: null },
    expect: [5, 12],
    reason: [/scaling up now: at 3 the busiest subtask cannot keep up/],
  },
]

describe('parallelism model', () => {
  for (const row of rows) {
    it(row.name, () => {
      const samples = history(row.shape)
      const r = recommendParallelism({ samples, isSource: false, previous: row.previous ?? null }, DEFAULT_MODEL)
      assert.ok(r.recommended !== null && r.recommended >= row.expect[0] && r.recommended <= row.expect[1], `${r.recommended} not in ${row.expect}: ${r.reason}`)
      for (const re of row.reason) assert.match(r.reason, re)
      assert.equal(r.current, row.shape.parallelism)
      assert.deepEqual(r.window, { from: 0, to: (row.shape.minutes - 1) * MIN, samples: row.shape.minutes })
      assert.equal(r.confidence, 'high')
    })
  }

  it('a backlog that does not drain gets catch-up capacity', () => {
    // 3000/s arrives and is read at exactly that rate, a backlog of 10 minutes of input stays put.
    const samples: VertexSample[] = []
    for (let i = 0; i < 120; i++) samples.push({ at: i * MIN, parallelism: 5, busy: 0.6, recordsInPerSec: 3000, lag: 3_600_000 })
    const r = recommendParallelism({ samples, isSource: true, previous: 5 }, DEFAULT_MODEL)
    // Capacity 1000/s per subtask: 5 for 0.7 utilisation would drain 3.6M in 30 min; within 15 min needs
    // (3000 + 3.6M / 900 s) / 1000 = 7 at full speed. A backlog that does not drain is urgent.
    assert.match(r.reason, /needs 5; lag of 3600000 records is not draining: 7 to catch up within 15 min; scaling up now: the backlog does not drain at 5$/)
    assert.equal(r.recommended, 7)
  })

  it('scales down only when consistently low, to the largest value seen meanwhile', () => {
    const low = history({ capacity: 1000, parallelism: 10, rate: noisy(2000, 3), minutes: 4 * 60 }) // needs 3
    let state: HysteresisState | null = { recommended: 10, pending: null }
    const seen: (number | null)[] = []
    const t0 = low[low.length - 1]!.at
    for (let k = 0; k <= 4; k++) {
      const r = recommendParallelism({ samples: low, isSource: false, previous: state, now: t0 + k * 15 * MIN }, DEFAULT_MODEL)
      state = r.state
      seen.push(r.recommended)
      if (k < 4) assert.match(r.reason, /scale-down to 3 pending since \d+ min ago; keeping 10 until it is consistently low for 60 min/)
      else assert.match(r.reason, /consistently low for 60 min: scaling down to 3/)
    }
    assert.deepEqual(seen, [10, 10, 10, 10, 3])
    // A demand back in the band cancels a pending scale-down.
    const pending: HysteresisState = { recommended: 10, pending: { direction: 'down', since: t0 - 50 * MIN, target: 3 } }
    const back = history({ capacity: 1000, parallelism: 10, rate: noisy(6000, 4), minutes: 4 * 60 }) // needs 9
    const r = recommendParallelism({ samples: back, isSource: false, previous: pending, now: t0 + 20 * MIN }, DEFAULT_MODEL)
    assert.equal(r.recommended, 10)
    assert.equal(r.state?.pending, null)
  })

  it('a non-urgent scale-up must hold for a while', () => {
    // 4000/s at 1000/s per subtask needs 6; at 4 the busiest subtask is at 0.85 busy: not saturated.
    const samples = history({ capacity: 1000, parallelism: 5, rate: noisy(3400, 5), minutes: 3 * 60 })
    const t = samples[samples.length - 1]!.at
    const first = recommendParallelism({ samples, isSource: false, previous: { recommended: 3, pending: null }, now: t }, DEFAULT_MODEL)
    assert.equal(first.recommended, 5, first.reason) // saturated at 3 (3400 > 0.9 × 3000): at once
    const calm = recommendParallelism({ samples, isSource: false, previous: { recommended: 4, pending: null }, now: t }, DEFAULT_MODEL)
    assert.equal(calm.recommended, 4) // one away: band
    const wide = history({ capacity: 1000, parallelism: 8, rate: noisy(5000, 6), minutes: 3 * 60 }) // needs 8
    const a = recommendParallelism({ samples: wide, isSource: false, previous: { recommended: 6, pending: null }, now: t }, DEFAULT_MODEL)
    assert.equal(a.recommended, 6)
    assert.match(a.reason, /8 pending since 0 min ago; keeping 6 until it holds for 30 min/)
    const b = recommendParallelism({ samples: wide, isSource: false, previous: a.state, now: t + 30 * MIN }, DEFAULT_MODEL)
    assert.equal(b.recommended, 8)
    assert.match(b.reason, /above 6 for 30 min: scaling up/)
  })

  it('a first recommendation waits for an hour of history unless the vertex is saturated', () => {
    const short = history({ capacity: 1000, parallelism: 8, rate: steady, minutes: 30 })
    const r = recommendParallelism({ samples: short, isSource: false }, DEFAULT_MODEL)
    assert.equal(r.recommended, null)
    assert.equal(r.state, null)
    assert.match(r.reason, /^collecting history: 29 min of 60 min needed for a first recommendation \(the model would say 5 so far\)$/)
    const saturated = history({ capacity: 1000, parallelism: 2, rate: steady, minutes: 30 })
    const s = recommendParallelism({ samples: saturated, isSource: false }, DEFAULT_MODEL)
    assert.ok(s.recommended !== null && s.recommended >= 5, s.reason)
    assert.match(s.reason, /scaling up now: at 2 the busiest subtask cannot keep up/)
  })

  it('without usable samples there is no recommendation, and the reason says why', () => {
    const sources = Array.from({ length: 30 }, (_, i): VertexSample => ({ at: i * MIN, parallelism: 4, busy: null, recordsInPerSec: 100, lag: 10 }))
    const r = recommendParallelism({ samples: sources, isSource: true }, DEFAULT_MODEL)
    assert.equal(r.recommended, null)
    assert.equal(r.reason, 'insufficient data: no busy time reported (sources often report none)')
    const kept = recommendParallelism({ samples: sources.slice(0, 3), isSource: true, previous: 6 }, DEFAULT_MODEL)
    assert.equal(kept.recommended, 6)
    assert.match(kept.reason, /keeping 6$/)
  })

  it('caps at max parallelism and aligns sources to the partition count without reversing a scale', () => {
    const samples = history({ capacity: 1000, parallelism: 4, rate: noisy(8000, 2), minutes: 2 * 60 }) // needs 12
    const capped = recommendParallelism({ samples, isSource: false, maxParallelism: 10 }, DEFAULT_MODEL)
    assert.equal(capped.recommended, 10)
    assert.match(capped.reason, /capped at max parallelism 10/)
    const aligned = recommendParallelism({ samples, isSource: true, partitions: 16 }, DEFAULT_MODEL)
    // 12 subtasks on 16 partitions: the busiest still reads 2, as with 8; only 16 delivers what 12 promised.
    assert.equal(aligned.recommended, 16)
    assert.match(aligned.reason, /needs 12; aligned to 16 Kafka partitions: 16/)
    assert.equal(alignToPartitions(12, 16), 16)
    assert.equal(alignToPartitions(8, 16), 8)
    assert.equal(alignToPartitions(4, 16), 4)
    // A prime partition count never turns a scale-up into a scale-down.
    assert.equal(alignToPartitions(12, 13), 13)
    assert.equal(alignToPartitions(5, 7), 7)
    assert.equal(alignToPartitions(3, 7), 4)
    assert.equal(alignToPartitions(20, 13), 13)
  })
})

describe('heap model', () => {
  it('peak used plus headroom, rounded up to 64 MiB, with the configured value as current', () => {
    const samples = Array.from({ length: 120 }, (_, i) => ({ at: i * MIN, heapUsedBytes: (400 + (i % 60) * 5) * MiB, heapMaxBytes: 2048 * MiB }))
    const r = recommendHeap(samples, 0.25)
    // Peak 695 MiB × 1.25 = 868.75 MiB → 896 MiB.
    assert.equal(r.recommended, 896 * MiB)
    assert.equal(r.current, 2048 * MiB)
    assert.equal(r.reason, 'peak heap used 695 MiB + 25% headroom (configured 2048 MiB)')
    assert.equal(r.confidence, 'high')
    assert.deepEqual(r.window, { from: 0, to: 119 * MIN, samples: 120 })
    assert.equal(recommendHeap(samples.slice(0, 3), 0.25).recommended, 2048 * MiB)
  })
})

void DAY
