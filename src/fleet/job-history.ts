/**
 * A job's metric history for the job page's charts: the job-level samples of the `history` collection in a
 * time range, oldest first, thinned to at most `max` points (every k-th sample, the newest always kept) so a
 * week of 15-second samples is one response a browser draws at once.
 */
import { MAX_LIMIT, type Store } from '../storage/store.js'
import { HISTORY_COLLECTION, type HistorySample } from './history.js'

/** The figures a chart draws; stored documents are JSON, so each is read back as a finite number or null. */
const FIGURES = [
  'parallelism',
  'busy',
  'backpressure',
  'recordsInPerSec',
  'recordsOutPerSec',
  'lag',
  'cpuLoad',
  'heapUsedBytes',
  'heapMaxBytes',
  'gcTimeMsPerSec',
  'checkpointDurationMs',
  'checkpointSizeBytes',
] as const satisfies readonly (keyof HistorySample)[]

export type JobHistoryPoint = { at: number; state: string; restarts: number } & Record<(typeof FIGURES)[number], number | null>

export const MAX_HISTORY_POINTS = 2000
/** Reading stops here: a range longer than retention allows holds at most this many samples of one job. */
const MAX_READ = 100_000

export async function readJobHistory(store: Store, q: { cluster: string; jobId: string; from: number; to: number; max?: number }): Promise<JobHistoryPoint[]> {
  const all: HistorySample[] = []
  let cursor: string | undefined
  do {
    const page = await store.query<HistorySample>(HISTORY_COLLECTION, { where: { kind: 'job', cluster: q.cluster, jobId: q.jobId }, from: q.from, to: q.to, order: 'asc', limit: MAX_LIMIT, ...(cursor ? { cursor } : {}) })
    for (const d of page.docs) all.push(d.body)
    cursor = page.nextCursor ?? undefined
  } while (cursor && all.length < MAX_READ)
  return thin(all, q.max ?? MAX_HISTORY_POINTS).map(point)
}

export function thin<T>(xs: readonly T[], max: number): T[] {
  if (xs.length <= max) return [...xs]
  const step = xs.length / max
  const out: T[] = []
  for (let i = 0; i < max; i++) out.push(xs[Math.min(xs.length - 1, Math.floor((i + 1) * step) - 1)]!)
  return out
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

function point(s: HistorySample): JobHistoryPoint {
  const figures = Object.fromEntries(FIGURES.map((k) => [k, num(s[k])])) as Record<(typeof FIGURES)[number], number | null>
  return { at: s.at, state: String(s.state), restarts: num(s.restarts) ?? 0, ...figures }
}
