/**
 * Reads a job's metric history (the fleet's `history` collection) for the recommender: every `job` and `vertex`
 * sample of one job name on one cluster within a window, oldest first (read newest first), paged through the store. Documents that
 * do not have the documented shape (an older version wrote them, someone edited the store) are skipped and counted.
 */
import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { HISTORY_COLLECTION, type HistorySample } from '../fleet/history.js'
import { MAX_LIMIT, type Store } from '../storage/store.js'

const Num = Type.Union([Type.Number(), Type.Null()])
const Str = Type.Union([Type.String(), Type.Null()])
const StoredSample = Type.Object({
  kind: Type.Union([Type.Literal('job'), Type.Literal('vertex')]),
  cluster: Type.String(),
  jobId: Type.String(),
  jobName: Type.String(),
  vertexId: Str,
  vertexName: Str,
  state: Type.String(),
  parallelism: Num,
  busy: Num,
  backpressure: Num,
  busySkew: Num,
  recordsInPerSec: Num,
  recordsOutPerSec: Num,
  lag: Num,
  cpuLoad: Num,
  heapUsedBytes: Num,
  heapMaxBytes: Num,
  gcTimeMsPerSec: Num,
  restarts: Type.Number(),
  at: Type.Number(),
})

export interface HistoryRead {
  samples: HistorySample[]
  /** Documents skipped because they did not have the sample shape. */
  skipped: number
  /** True when `maxSamples` cut the read short (the oldest part of the window is then missing). */
  truncated: boolean
}

export interface HistoryReader {
  read(cluster: string, jobName: string, from: number, to: number): Promise<HistoryRead>
}

export function storeHistoryReader(store: Store, opts: { maxSamples?: number } = {}): HistoryReader {
  const max = opts.maxSamples ?? 200_000
  return {
    async read(cluster, jobName, from, to) {
      const samples: HistorySample[] = []
      let skipped = 0
      let cursor: string | undefined
      for (;;) {
        // Newest first, so a cut keeps the recent part of the window.
        const page = await store.query<HistorySample>(HISTORY_COLLECTION, { where: { cluster, jobName }, from, to: to + 1, order: 'desc', limit: MAX_LIMIT, ...(cursor ? { cursor } : {}) })
        for (const d of page.docs) {
          if (Value.Check(StoredSample, d.body)) samples.push(d.body)
          else skipped++
        }
        if (!page.nextCursor || page.docs.length === 0) return { samples: samples.reverse(), skipped, truncated: false }
        if (samples.length >= max) return { samples: samples.reverse(), skipped, truncated: true }
        cursor = page.nextCursor
      }
    },
  }
}
