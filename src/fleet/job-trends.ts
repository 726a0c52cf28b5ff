/**
 * Per-job figures that need more than the latest poll: restarts in the last hour and the Kafka lag trend.
 * FleetState feeds it as it diffs polls (only jobs whose snapshot changed), so 10,000 jobs cost a few
 * numbers each: restart times within the hour and lag samples at least LAG_STEP_MS apart over LAG_WINDOW_MS.
 * In memory only: after a restart of flinkwatch, restarts seen before it are not counted.
 */
import type { JobSnapshot } from '../model/job.js'

export const RESTART_WINDOW_MS = 60 * 60_000
export const LAG_WINDOW_MS = 5 * 60_000
const LAG_STEP_MS = 15_000
/** Shorter spans give no trend (two polls a few seconds apart say little about a minute). */
const MIN_TREND_SPAN_MS = 60_000
const MAX_RESTARTS_KEPT = 1000

export interface JobTrend {
  restartsLastHour: number
  /** Lag change in records per minute over the last ~5 minutes (> 0 growing); null while unknown. */
  lagTrend: number | null
}

/** What FleetState offers beyond FleetView (the API reads it when the view has it). */
export interface FleetTrends {
  trend(cluster: string, jobId: string): JobTrend
}

interface Entry {
  restarts: number[]
  lag: { at: number; lag: number }[]
}

export class JobTrendTracker {
  private readonly jobs = new Map<string, Entry>()

  /** A new or changed snapshot at `now`; `previous` is the last one seen of the same job. */
  observe(s: JobSnapshot, previous: JobSnapshot | undefined, now: number): void {
    const key = `${s.cluster}\u0000${s.jobId}`
    let e = this.jobs.get(key)
    if (!e) this.jobs.set(key, (e = { restarts: [], lag: [] }))
    if (previous && s.restarts > previous.restarts) {
      for (let i = 0; i < Math.min(s.restarts - previous.restarts, MAX_RESTARTS_KEPT); i++) e.restarts.push(now)
    }
    while (e.restarts.length > 0 && (e.restarts[0]! < now - RESTART_WINDOW_MS || e.restarts.length > MAX_RESTARTS_KEPT)) e.restarts.shift()
    if (s.lag === null) {
      e.lag.length = 0
    } else {
      const last = e.lag[e.lag.length - 1]
      if (!last || now - last.at >= LAG_STEP_MS) e.lag.push({ at: now, lag: s.lag })
      // One sample older than the window stays as the baseline of a lag that has not changed since.
      while (e.lag.length > 2 && e.lag[1]!.at < now - LAG_WINDOW_MS) e.lag.shift()
    }
  }

  trend(cluster: string, jobId: string, current: JobSnapshot | undefined, now: number): JobTrend {
    const e = this.jobs.get(`${cluster}\u0000${jobId}`)
    if (!e) return { restartsLastHour: 0, lagTrend: null }
    let restartsLastHour = 0
    for (const t of e.restarts) if (t >= now - RESTART_WINDOW_MS) restartsLastHour++
    return { restartsLastHour, lagTrend: this.lagTrend(e, current?.lag ?? null, now) }
  }

  forget(cluster: string, jobId: string): void {
    this.jobs.delete(`${cluster}\u0000${jobId}`)
  }

  private lagTrend(e: Entry, lag: number | null, now: number): number | null {
    if (lag === null || e.lag.length === 0) return null
    // The oldest sample inside the window, else the newest before it (the lag has not moved since).
    const base = e.lag.find((p) => p.at >= now - LAG_WINDOW_MS) ?? e.lag[e.lag.length - 1]!
    const span = now - base.at
    if (span < MIN_TREND_SPAN_MS) return null
    return Math.round(((lag - base.lag) / (span / 60_000)) * 100) / 100
  }
}
