/**
 * Computes recommendations per running job (cluster + name) from the stored history, on a node-cron schedule
 * (`recommendations.schedule`) and on demand, over the last `recommendations.window`. The previous
 * recommendation of every job is kept in the store (`recommendations`), so hysteresis survives a restart of
 * flinkwatch. Jobs that no longer run drop out at the next full computation (and so do their metric series).
 */
import cron, { type ScheduledTask } from 'node-cron'
import type { RecommendationsConfig } from '../config/sections/recommendations.js'
import type { Clock } from '../core/clock.js'
import type { Component, ComponentStatus } from '../core/component.js'
import { ConfigError, errorMessage } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { FleetView } from '../fleet/fleet-view.js'
import type { JobSnapshot } from '../model/job.js'
import type { CollectionSpec, Store } from '../storage/store.js'
import type { HistoryReader } from './history-reader.js'
import { jobKey, type JobFacts, type Recommendation, type Recommender } from './recommender.js'

export const RECOMMENDATIONS_COLLECTION = 'recommendations'
export const recommendationsCollection: CollectionSpec = { name: RECOMMENDATIONS_COLLECTION, keywords: ['cluster', 'jobName'] }

export interface RecommendationFilter {
  cluster?: string
  /** A job name or the id of one of its instances. */
  job?: string
}

export interface RecommendationServiceOptions {
  config: RecommendationsConfig
  view: FleetView
  store: Store
  reader: HistoryReader
  recommender: Recommender
  clock: Clock
  logger: Logger
}

export class RecommendationService implements Component {
  readonly name = 'recommendations'
  private readonly windowMs: number
  private readonly current = new Map<string, Recommendation>()
  private loaded: Promise<void> | null = null
  private task: ScheduledTask | null = null
  /** Computations run one at a time: a scheduled run and on-demand requests never interleave their writes. */
  private queue: Promise<unknown> = Promise.resolve()
  private lastRun: { at: number; jobs: number; failed: number } | null = null
  private lastError: string | null = null

  constructor(private readonly o: RecommendationServiceOptions) {
    this.windowMs = o.config.window
    if (o.config.enabled && !cron.validate(o.config.schedule)) throw new ConfigError([`recommendations.schedule: "${o.config.schedule}" is not a valid cron expression (e.g. "*/15 * * * *")`])
  }

  async start(): Promise<void> {
    if (!this.o.config.enabled) return
    this.task = cron.createTask(this.o.config.schedule, () => this.refresh().then(() => undefined), { name: 'recommendations', noOverlap: true })
    await this.task.start()
  }

  async stop(): Promise<void> {
    await this.task?.destroy()
    this.task = null
    await this.queue.catch(() => undefined)
  }

  readiness(): ComponentStatus {
    if (!this.o.config.enabled) return { ready: true, detail: 'disabled' }
    const last = this.lastRun ? `last run ${new Date(this.lastRun.at).toISOString()}: ${this.lastRun.jobs} job(s)${this.lastRun.failed ? `, ${this.lastRun.failed} failed` : ''}` : 'not computed yet'
    return { ready: true, detail: `${last}${this.lastError ? `; last error: ${this.lastError}` : ''}` }
  }

  /** The recommendations computed last, filtered. */
  async list(f: RecommendationFilter = {}): Promise<Recommendation[]> {
    await this.load()
    return [...this.current.values()].filter((r) => matches(r, f, this.o.view)).sort((a, b) => a.cluster.localeCompare(b.cluster) || a.jobName.localeCompare(b.jobName))
  }

  /**
   * Recomputes the running jobs matching the filter (all of them without one) and returns their recommendations.
   * A full run also forgets the jobs that no longer run.
   */
  refresh(f: RecommendationFilter = {}): Promise<Recommendation[]> {
    const run = this.queue.then(() => this.compute(f))
    this.queue = run.catch(() => undefined)
    return run
  }

  /** Every recommended parallelism, for the gauge: one entry per job vertex. */
  parallelismSeries(): { cluster: string; jobName: string; vertex: string; value: number }[] {
    const out: { cluster: string; jobName: string; vertex: string; value: number }[] = []
    for (const r of this.current.values()) {
      const names = new Map<string, number>()
      for (const v of r.vertices) names.set(v.vertexName, (names.get(v.vertexName) ?? 0) + 1)
      for (const v of r.vertices) {
        if (v.parallelism.recommended === null) continue
        // Vertex names label the series; two vertices of one job with the same name keep apart by id.
        const vertex = names.get(v.vertexName)! > 1 ? `${v.vertexName} (${v.vertexId.slice(0, 8)})` : v.vertexName
        out.push({ cluster: r.cluster, jobName: r.jobName, vertex, value: v.parallelism.recommended })
      }
    }
    return out
  }

  private async compute(f: RecommendationFilter): Promise<Recommendation[]> {
    await this.load()
    const now = this.o.clock.now()
    const running = new Map<string, JobSnapshot>()
    for (const j of this.o.view.jobs({ ...(f.cluster ? { cluster: f.cluster } : {}), state: 'RUNNING' })) {
      if (f.job && j.name !== f.job && j.jobId !== f.job) continue
      const k = jobKey(j.cluster, j.name)
      const seen = running.get(k)
      if (!seen || (j.startTime ?? 0) > (seen.startTime ?? 0)) running.set(k, j)
    }
    const out: Recommendation[] = []
    let failed = 0
    for (const [k, job] of running) {
      try {
        const read = await this.o.reader.read(job.cluster, job.name, now - this.windowMs, now)
        if (read.skipped > 0) this.o.logger.warn({ cluster: job.cluster, job: job.name, skipped: read.skipped }, `skipped ${read.skipped} history document(s) of ${job.name} that do not have the sample shape`)
        const previous = this.current.get(k)
        const [rec] = this.o.recommender.recommend({ from: now - this.windowMs, to: now, samples: read.samples, ...(previous ? { previous: [previous] } : {}), facts: new Map([[k, factsOf(job)]]) })
        if (!rec) continue
        this.current.set(k, rec)
        out.push(rec)
        await this.o.store.write(RECOMMENDATIONS_COLLECTION, [{ id: k, timestamp: now, body: { ...rec } }], 'upsert')
      } catch (err) {
        failed++
        this.lastError = `${job.name}: ${errorMessage(err)}`
        this.o.logger.warn({ err, cluster: job.cluster, job: job.name }, `recommendation for ${job.name} failed: ${errorMessage(err)}`)
      }
    }
    if (!f.cluster && !f.job) {
      // A full run: jobs that no longer run are no longer recommended.
      for (const k of [...this.current.keys()]) {
        if (running.has(k)) continue
        this.current.delete(k)
        await this.o.store.delete(RECOMMENDATIONS_COLLECTION, k).catch((err: unknown) => this.o.logger.warn({ err }, 'removing a stale recommendation failed'))
      }
      this.lastRun = { at: now, jobs: out.length, failed }
      if (failed === 0) this.lastError = null
    }
    return out.sort((a, b) => a.cluster.localeCompare(b.cluster) || a.jobName.localeCompare(b.jobName))
  }

  /** The previous recommendations from the store, once (hysteresis across restarts). */
  private load(): Promise<void> {
    this.loaded ??= (async () => {
      try {
        let cursor: string | undefined
        for (;;) {
          const page = await this.o.store.query<Recommendation & Record<string, unknown>>(RECOMMENDATIONS_COLLECTION, { limit: 1000, ...(cursor ? { cursor } : {}) })
          for (const d of page.docs) if (!this.current.has(d.id) && Array.isArray(d.body.vertices)) this.current.set(d.id, d.body)
          if (!page.nextCursor || page.docs.length === 0) break
          cursor = page.nextCursor
        }
      } catch (err) {
        this.o.logger.warn({ err }, `loading previous recommendations failed: ${errorMessage(err)}`)
      }
    })()
    return this.loaded
  }
}

function matches(r: Recommendation, f: RecommendationFilter, view: FleetView): boolean {
  if (f.cluster && r.cluster !== f.cluster) return false
  if (!f.job || r.jobName === f.job || r.jobId === f.job) return true
  return view.job(r.cluster, f.job)?.name === r.jobName
}

function factsOf(job: JobSnapshot): JobFacts {
  const vertices: Record<string, { isSource: boolean; maxParallelism: number | null }> = {}
  for (const v of job.vertices) vertices[v.id] = { isSource: v.isSource, maxParallelism: v.maxParallelism }
  return { managedMemoryBytes: job.resources?.managedMemoryBytes ?? null, vertices }
}
