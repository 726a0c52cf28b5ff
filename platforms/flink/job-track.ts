/** What the JobManager poller keeps per job between polls, and how a `/jobs/overview` entry updates it. */
import { toJobState, type CheckpointStats, type JobException, type JobResources, type JobSnapshot, type JobState, type VertexSnapshot } from '../../src/model/job.js'
import type { VertexInfo } from './flink-decode.js'
import type { JobsOverviewEntry } from './flink-schemas.js'
import type { SourceIds } from './source-metrics.js'

/** The job fields of `/jobs/overview` that flinkwatch keeps (the rest of the entry is dropped). */
export interface Entry {
  jid: string
  name: string
  rawState: string
  startTime: number
  endTime: number | undefined
  lastModification: number | undefined
}

export interface Track {
  entry: Entry
  state: JobState
  /** `${state}@${last-modification}` when the change-driven detail was last fetched successfully. */
  detailKey: string | null
  /** When change-driven detail was last attempted (successful or not). */
  detailTriedAt: number | null
  restarts: number
  vertices: VertexInfo[]
  sourceIds: Map<string, SourceIds>
  /** Per measured vertex: its figures from the last vertex-metrics read. */
  measured: Map<string, VertexSnapshot>
  metricsAt: number | null
  /** Vertex metric reads in a row that came back empty (metric store not filled yet). */
  emptyReads: number
  /** Whether the per-job phase was applied to metricsAt (done on the first read that had figures). */
  metricsPhased: boolean
  checkpoints: CheckpointStats | null
  /** 404 "Checkpointing has not been enabled": stop asking until the job changes. */
  checkpointsDisabled: boolean
  checkpointsAt: number | null
  intervalMs: number | null
  intervalKnown: boolean
  exceptions: JobException[]
  terminalDone: boolean
  /** The state of the last snapshot, and the one shown instead of `state` while the detail lags. */
  reported: JobState | null
  held: JobState | null
  staleReads: number
  /** The last snapshot, reused until something it shows changes (no copy per job per poll). */
  snap: JobSnapshot | null
  snapResources: JobResources | null
}

/** The job's track, created on first sight; a changed overview entry resets its snapshot. */
export function trackOf(tracks: Map<string, Track>, raw: JobsOverviewEntry): Track {
  let t = tracks.get(raw.jid)
  if (!t) {
    t = {
      entry: entryOf(raw),
      state: toJobState(raw.state),
      detailKey: null,
      detailTriedAt: null,
      restarts: 0,
      vertices: [],
      sourceIds: new Map(),
      measured: new Map(),
      metricsAt: null,
      emptyReads: 0,
      metricsPhased: false,
      checkpoints: null,
      checkpointsDisabled: false,
      checkpointsAt: null,
      intervalMs: null,
      intervalKnown: false,
      exceptions: [],
      terminalDone: false,
      reported: null,
      held: null,
      staleReads: 0,
      snap: null,
      snapResources: null,
    }
    tracks.set(raw.jid, t)
    return t
  }
  const e = t.entry
  if (e.name !== raw.name || e.rawState !== raw.state || e.startTime !== raw['start-time'] || e.endTime !== raw['end-time'] || e.lastModification !== raw['last-modification']) {
    t.entry = entryOf(raw)
    t.state = toJobState(raw.state)
    t.snap = null
  }
  return t
}

export function entryOf(raw: JobsOverviewEntry): Entry {
  return { jid: raw.jid, name: raw.name, rawState: raw.state, startTime: raw['start-time'], endTime: raw['end-time'], lastModification: raw['last-modification'] }
}

export function detailKey(t: Track): string {
  return `${t.state}@${t.entry.lastModification ?? t.entry.startTime}`
}

/** A stable number in [0, 1) per job id (FNV-1a). */
export function phase(jobId: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < jobId.length; i++) h = Math.imul(h ^ jobId.charCodeAt(i), 0x01000193)
  return (h >>> 0) / 2 ** 32
}
