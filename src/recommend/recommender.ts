/**
 * The recommender seam: pure, from stored history samples to one Recommendation per job (cluster + name; a
 * resubmitted job gets a new id but is the same job). The service (recommendation-service.ts) reads the
 * history, keeps the previous recommendations (hysteresis) and exports them; the model lives in model.ts.
 */
import type { HistorySample } from '../fleet/history.js'
import {
  DEFAULT_MODEL,
  recommendHeap,
  recommendManaged,
  recommendParallelism,
  type HysteresisState,
  type MemoryRecommendation,
  type ModelConfig,
  type ParallelismRecommendation,
  type VertexSample,
} from './model.js'

/** What the fleet knows about a vertex beyond its history. */
export interface VertexFacts {
  isSource?: boolean
  maxParallelism?: number | null
  /** Kafka partitions the source reads, when known. */
  partitions?: number | null
}

export interface JobFacts {
  managedMemoryBytes?: number | null
  /** By vertex id. */
  vertices?: Readonly<Record<string, VertexFacts>>
}

export interface HistoryWindow {
  /** The window the samples were read from (epoch ms); `to` is when the recommendation is made. */
  from: number
  to: number
  /** `job` and `vertex` samples of one or more jobs, any order. */
  samples: readonly HistorySample[]
  /** Last time's recommendations, for hysteresis. */
  previous?: readonly Recommendation[]
  /** Keyed by `<cluster>/<jobName>`. */
  facts?: ReadonlyMap<string, JobFacts>
}

export interface VertexRecommendation {
  vertexId: string
  vertexName: string
  isSource: boolean
  parallelism: ParallelismRecommendation
}

export interface Recommendation {
  cluster: string
  jobName: string
  /** The newest instance seen in the window. */
  jobId: string
  computedAt: number
  window: { from: number; to: number; samples: number }
  vertices: VertexRecommendation[]
  taskManager: { heapBytes: MemoryRecommendation; managedMemoryBytes: MemoryRecommendation }
}

export interface Recommender {
  recommend(history: HistoryWindow): Recommendation[]
}

export interface RecommenderOptions {
  model?: Partial<ModelConfig>
  heapHeadroom?: number
}

export function jobKey(cluster: string, jobName: string): string {
  return `${cluster}/${jobName}`
}

/** The model of model.ts over history samples. */
export class ModelRecommender implements Recommender {
  private readonly model: ModelConfig
  private readonly headroom: number

  constructor(o: RecommenderOptions = {}) {
    this.model = { ...DEFAULT_MODEL, ...o.model }
    this.headroom = o.heapHeadroom ?? 0.25
  }

  recommend(history: HistoryWindow): Recommendation[] {
    const byJob = new Map<string, HistorySample[]>()
    for (const s of history.samples) {
      if (s.at < history.from || s.at > history.to) continue
      const k = jobKey(s.cluster, s.jobName)
      const list = byJob.get(k)
      if (list) list.push(s)
      else byJob.set(k, [s])
    }
    const previous = new Map((history.previous ?? []).map((r) => [jobKey(r.cluster, r.jobName), r]))
    const out: Recommendation[] = []
    for (const [k, samples] of byJob) {
      const rec = this.recommendJob(samples, history, previous.get(k) ?? null, history.facts?.get(k) ?? {})
      if (rec) out.push(rec)
    }
    return out.sort((a, b) => a.cluster.localeCompare(b.cluster) || a.jobName.localeCompare(b.jobName))
  }

  private recommendJob(samples: HistorySample[], h: HistoryWindow, previous: Recommendation | null, facts: JobFacts): Recommendation | null {
    samples.sort((a, b) => a.at - b.at)
    const jobSamples = samples.filter((s) => s.kind === 'job')
    const newest = samples[samples.length - 1]
    if (!newest) return null
    // The vertices of the newest instance; their history spans every instance (vertex ids survive a resubmission
    // of the same job graph).
    const current = new Map<string, string>()
    for (const s of samples) if (s.kind === 'vertex' && s.jobId === newest.jobId && s.vertexId) current.set(s.vertexId, s.vertexName ?? s.vertexId)
    const jobAt = new Map(jobSamples.map((s) => [s.at, s]))
    const vertices: VertexRecommendation[] = []
    for (const [vertexId, vertexName] of current) {
      const vs = samples.filter((s) => s.kind === 'vertex' && s.vertexId === vertexId)
      const f = facts.vertices?.[vertexId] ?? {}
      const isSource = f.isSource ?? (/^Source:/i.test(vertexName) || vs.some((s) => s.lag !== null))
      const prev = previous?.vertices.find((v) => v.vertexId === vertexId)?.parallelism
      const prevState: HysteresisState | null = prev?.state ?? null
      const parallelism = recommendParallelism(
        {
          samples: vs.map((s) => toVertexSample(s, isSource, jobAt.get(s.at))),
          isSource,
          partitions: f.partitions ?? null,
          maxParallelism: f.maxParallelism ?? null,
          previous: prevState,
          now: h.to,
        },
        this.model,
      )
      vertices.push({ vertexId, vertexName, isSource, parallelism })
    }
    vertices.sort((a, b) => Number(b.isSource) - Number(a.isSource) || a.vertexName.localeCompare(b.vertexName))
    const heapBytes = recommendHeap(jobSamples, this.headroom)
    const window = { from: samples[0]!.at, to: newest.at, samples: samples.length }
    const managedMemoryBytes = recommendManaged(facts.managedMemoryBytes ?? null, window)
    return {
      cluster: newest.cluster,
      jobName: newest.jobName,
      jobId: newest.jobId,
      computedAt: h.to,
      window,
      vertices,
      taskManager: { heapBytes, managedMemoryBytes },
    }
  }
}

/**
 * A vertex sample for the model. Lag is a source metric; a downstream vertex gets the job's lag scaled by its
 * share of the job's input, so a backlog behind a downstream bottleneck counts as demand where it is processed.
 */
function toVertexSample(s: HistorySample, isSource: boolean, job: HistorySample | undefined): VertexSample {
  let lag = s.lag
  if (lag === null && !isSource && job?.lag != null && job.recordsInPerSec && s.recordsInPerSec !== null) lag = job.lag * (s.recordsInPerSec / job.recordsInPerSec)
  return { at: s.at, parallelism: s.parallelism ?? 0, busy: s.busy, recordsInPerSec: s.recordsInPerSec, lag }
}
