/** ModelRecommender over stored history samples: grouping by job name, vertices of the newest instance, memory. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { HistorySample } from '../../../src/fleet/history.js'
import { ModelRecommender } from '../../../src/recommend/recommender.js'
import { samplesOf } from './history-samples.js'

const MIN = 60_000
const MiB = 1024 * 1024
const T0 = Date.UTC(2026, 0, 1)

describe('ModelRecommender', () => {
  const r = new ModelRecommender({ heapHeadroom: 0.25 })

  it('one recommendation per job name, per vertex of the newest instance, with heap and managed memory', () => {
    const a = samplesOf({ jobName: 'orders', jobId: 'old', minutes: 60, rate: () => 2000, capacity: 1000, parallelism: 5 })
    // The old instance had a vertex the new job graph no longer has.
    a.push({ ...a[2]!, vertexId: 'gone', vertexName: 'Filter' })
    // Resubmitted (new id, same graph otherwise) an hour later.
    const b = samplesOf({ jobName: 'orders', jobId: 'new', minutes: 120, start: T0 + 60 * MIN, rate: () => 2000, capacity: 1000, parallelism: 5, heapUsedMiB: (i) => 400 + (i % 10) * 30 })
    const other = samplesOf({ jobName: 'billing', jobId: 'bill', minutes: 90, rate: () => 6000, capacity: 1000, parallelism: 12 })
    const to = T0 + 180 * MIN
    const recs = r.recommend({ from: T0, to, samples: [...other, ...a, ...b], facts: new Map([['prod/orders', { managedMemoryBytes: 512 * MiB }]]) })
    assert.deepEqual(recs.map((x) => `${x.cluster}/${x.jobName}/${x.jobId}`), ['prod/billing/bill', 'prod/orders/new'])
    const orders = recs[1]!
    assert.equal(orders.computedAt, to)
    assert.deepEqual(orders.window, { from: T0, to: T0 + 179 * MIN, samples: 180 * 3 + 1 })
    assert.deepEqual(orders.vertices.map((v) => [v.vertexName, v.isSource]), [['Source: orders', true], ['Map -> Sink: out', false]])
    const map = orders.vertices[1]!.parallelism
    // 2000/s at 1000/s per subtask: 2000 / 700 → 3, over both instances' history.
    assert.equal(map.current, 5)
    assert.equal(map.recommended, 3)
    assert.equal(map.window.samples, 180)
    assert.equal(map.confidence, 'high')
    assert.match(map.reason, /^p95 demand 2000\/s over 180 samples; one subtask handles 1000\/s at its busiest subtask; 0.7 target utilisation needs 3$/)
    // Sources report no busy time: no recommendation, and the reason says so.
    assert.equal(orders.vertices[0]!.parallelism.recommended, null)
    assert.match(orders.vertices[0]!.parallelism.reason, /no busy time reported/)
    // Heap: peak 670 MiB × 1.25 = 837.5 → 896 MiB (64 MiB steps); configured 1024 MiB.
    assert.equal(orders.taskManager.heapBytes.current, 1024 * MiB)
    assert.equal(orders.taskManager.heapBytes.recommended, 896 * MiB)
    // Managed memory: the history has no usage samples, and the recommendation says so instead of "keeping" a size.
    assert.deepEqual(orders.taskManager.managedMemoryBytes, {
      current: 512 * MiB,
      recommended: null,
      reason: 'no managed-memory usage in history; Flink exposes it per TaskManager as Status.Flink.Memory.Managed.Used',
      confidence: 'none',
      window: { from: orders.window.from, to: orders.window.to, samples: 0 },
    })
  })

  it('a backlog behind a downstream bottleneck counts as demand where it is processed', () => {
    // 5000/s arrives, the Map handles 3000/s at 3 subtasks: the lag grows in Kafka (a source metric).
    // 40 minutes of history: too little for a first recommendation, but a saturated vertex gets its scale-up.
    const samples = samplesOf({ jobName: 'clicks', jobId: 'c1', minutes: 40, rate: () => 5000, capacity: 1000, parallelism: 3 })
    const [rec] = r.recommend({ from: T0, to: T0 + 40 * MIN, samples })
    const map = rec!.vertices.find((v) => v.vertexId === 'map1')!.parallelism
    // Demand = 3000/s read + 2000/s lag growth = 5000/s → 5000 / 700 → 8, at once (saturated).
    assert.equal(map.recommended, 8, map.reason)
    assert.match(map.reason, /^p95 demand 5000\/s/)
    assert.match(map.reason, /scaling up now: at 3 the busiest subtask cannot keep up/)
  })

  it('keeps the previous recommendation within the band (hysteresis across computations)', () => {
    const samples = samplesOf({ jobName: 'orders', jobId: 'o1', minutes: 120, rate: (i) => 2000 * (0.98 + 0.04 * ((i * 13) % 7) / 7), capacity: 1000, parallelism: 4 })
    const first = r.recommend({ from: T0, to: T0 + 120 * MIN, samples })
    assert.equal(first[0]!.vertices[1]!.parallelism.recommended, 3)
    const hotter = samplesOf({ jobName: 'orders', jobId: 'o1', minutes: 120, rate: () => 2600, capacity: 1000, parallelism: 4 }) // needs 4
    const second = r.recommend({ from: T0, to: T0 + 120 * MIN, samples: hotter, previous: first })
    const map = second[0]!.vertices[1]!.parallelism
    assert.equal(map.recommended, 3)
    assert.match(map.reason, /needs 4; within 1 of the previous recommendation 3: keeping it \(hysteresis\)/)
  })
})
