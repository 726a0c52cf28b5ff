/** A job's normalized snapshot from its track: per-vertex figures, and the job's lag, backpressure and rates from them. */
import { isTerminal, type JobResources, type JobSnapshot, type VertexSnapshot } from '../../src/model/job.js'
import { metricNumber, type VertexInfo } from './flink-decode.js'
import type { AggregatedMetrics } from './flink-schemas.js'
import type { Track } from './job-track.js'
import type { SourceIds } from './source-metrics.js'

/** The job's snapshot; the previous one is reused while nothing it shows changed (no copy per job per poll). */
export function jobSnapshot(t: Track, clusterId: string, jobResources: JobResources | null): JobSnapshot {
  const resources = isTerminal(t.state) ? null : jobResources
  if (t.snap !== null && t.snapResources === resources) return t.snap
  const vertices = t.vertices.map((v) => t.measured.get(v.id) ?? unmeasured(v))
  let lag: number | null = null
  let backpressure: number | null = null
  let busy: number | null = null
  let recordsIn: number | null = null
  let recordsOut: number | null = null
  for (let i = 0; i < t.vertices.length; i++) {
    const info = t.vertices[i]!
    if (!t.measured.has(info.id)) continue
    const v = vertices[i]!
    backpressure = maxOf(backpressure, v.backpressure)
    busy = maxOf(busy, v.busy)
    if (info.isSource) {
      lag = sumOf(lag, v.lag)
      recordsIn = sumOf(recordsIn, v.recordsInPerSec)
    }
    // Records that reached the sinks: sink tasks rarely count what they write out.
    if (info.isSink) recordsOut = sumOf(recordsOut, v.recordsInPerSec)
  }
  const e = t.entry
  const snap: JobSnapshot = {
    cluster: clusterId,
    jobId: e.jid,
    name: e.name,
    state: t.held ?? t.state,
    startTime: e.startTime > 0 ? e.startTime : null,
    endTime: e.endTime !== undefined && e.endTime > 0 ? e.endTime : null,
    restarts: t.restarts,
    checkpoints: t.checkpoints,
    latestException: t.exceptions[0] ?? null,
    exceptions: t.exceptions,
    lag,
    backpressure,
    busy,
    recordsInPerSec: recordsIn,
    recordsOutPerSec: recordsOut,
    vertices,
    resources,
  }
  t.snap = snap
  t.snapResources = resources
  t.reported = snap.state
  return snap
}

export function unmeasured(v: VertexInfo): VertexSnapshot {
  return {
    id: v.id,
    name: v.name,
    parallelism: v.parallelism,
    maxParallelism: v.maxParallelism,
    status: v.status,
    busy: null,
    backpressure: null,
    busySkew: null,
    recordsInPerSec: null,
    recordsOutPerSec: null,
    lag: null,
    isSource: v.isSource,
  }
}

/** Reads the figures of one vertex straight from the aggregated answer (no per-id map kept per vertex). */
export function vertexSnapshot(v: VertexInfo, list: AggregatedMetrics, src: SourceIds | undefined): VertexSnapshot {
  let busyMax: number | null = null
  let busyAvg: number | null = null
  let bpMax: number | null = null
  let inSum: number | null = null
  let outSum: number | null = null
  let srcIn: number | null = null
  let pending: number | null = null
  let lagMax: number | null = null
  for (const m of list) {
    switch (m.id) {
      case 'busyTimeMsPerSecond':
        busyMax = metricNumber(m.max)
        busyAvg = metricNumber(m.avg)
        break
      case 'backPressuredTimeMsPerSecond':
        bpMax = metricNumber(m.max)
        break
      case 'numRecordsInPerSecond':
        inSum = metricNumber(m.sum)
        break
      case 'numRecordsOutPerSecond':
        outSum = metricNumber(m.sum)
        break
      default:
        if (!src) break
        if (m.id === src.recordsIn) srcIn = metricNumber(m.sum)
        // pendingRecords is per subtask (its partitions' lag summed): the vertex lag is the sum over subtasks.
        else if (src.pending.includes(m.id)) pending = sumOf(pending, metricNumber(m.sum))
        // records-lag-max is already a max (per consumer): the vertex figure is the max over subtasks.
        else if (src.lagMax.includes(m.id)) lagMax = maxOf(lagMax, metricNumber(m.max))
    }
  }
  return {
    id: v.id,
    name: v.name,
    parallelism: v.parallelism,
    maxParallelism: v.maxParallelism,
    status: v.status,
    busy: ratio(busyMax),
    backpressure: ratio(bpMax),
    busySkew: busyMax !== null && busyAvg !== null && busyAvg > 0 ? busyMax / busyAvg : null,
    recordsInPerSec: v.isSource ? (srcIn ?? outSum) : inSum,
    recordsOutPerSec: outSum,
    lag: pending ?? lagMax,
    isSource: v.isSource,
  }
}

function ratio(msPerSecond: number | null | undefined): number | null {
  if (msPerSecond === null || msPerSecond === undefined) return null
  return Math.min(1, Math.max(0, msPerSecond / 1000))
}

function maxOf(acc: number | null, v: number | null): number | null {
  return v === null ? acc : acc === null ? v : Math.max(acc, v)
}

function sumOf(acc: number | null, v: number | null): number | null {
  return v === null ? acc : acc === null ? v : acc + v
}
