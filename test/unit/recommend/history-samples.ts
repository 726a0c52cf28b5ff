/** History samples the way the fleet's HistoryRecorder stores them, for a two-vertex job (Kafka source, Map). */
import type { HistorySample } from '../../../src/fleet/history.js'

const MIN = 60_000
const MiB = 1024 * 1024
const T0 = Date.UTC(2026, 0, 1)

/** One job sample and two vertex samples a minute; the Map is the bottleneck, the backlog stays in Kafka. */
export function samplesOf(o: {
  cluster?: string
  jobName: string
  jobId: string
  minutes: number
  start?: number
  /** Arrival rate at minute i. */
  rate: (i: number) => number
  /** The Map vertex: records/s per subtask at 100% busy, and its parallelism. */
  capacity: number
  parallelism: number
  heapUsedMiB?: (i: number) => number
}): HistorySample[] {
  const out: HistorySample[] = []
  let lag = 0
  for (let i = 0; i < o.minutes; i++) {
    const at = (o.start ?? T0) + i * MIN
    const rate = o.rate(i)
    // The Map is the bottleneck; the source reads only what the Map takes, the rest stays in Kafka.
    const processed = Math.min(rate + lag / 60, o.parallelism * o.capacity)
    lag = Math.max(0, lag + (rate - processed) * 60)
    const busy = processed / (o.parallelism * o.capacity)
    const common = { cluster: o.cluster ?? 'prod', jobId: o.jobId, jobName: o.jobName, state: 'RUNNING', cpuLoad: 0.3, heapUsedBytes: (o.heapUsedMiB?.(i) ?? 500) * MiB, heapMaxBytes: 1024 * MiB, gcTimeMsPerSec: 1, restarts: 0, at }
    out.push(
      { ...common, kind: 'job', vertexId: null, vertexName: null, parallelism: o.parallelism, busy, backpressure: 0, busySkew: null, recordsInPerSec: processed, recordsOutPerSec: processed, lag },
      { ...common, kind: 'vertex', vertexId: 'src0', vertexName: 'Source: orders', parallelism: 2, busy: null, backpressure: busy > 0.99 ? 0.5 : 0, busySkew: null, recordsInPerSec: processed, recordsOutPerSec: processed, lag },
      { ...common, kind: 'vertex', vertexId: 'map1', vertexName: 'Map -> Sink: out', parallelism: o.parallelism, busy, backpressure: 0, busySkew: 1, recordsInPerSec: processed, recordsOutPerSec: processed, lag: null },
    )
  }
  return out
}
