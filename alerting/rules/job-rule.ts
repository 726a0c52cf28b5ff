/**
 * Most rules judge one job at a time from the full snapshots the fleet publishes each poll
 * (`fleet.updated`). Jobs are identified by cluster and name, not id: a resubmitted job gets a new
 * id but is the same job to on-call, so its incident resolves when the new run is healthy. Flink
 * keeps old runs listed for a while; the newest run of a name (latest start) is the one judged.
 */
import type { JobSnapshot } from '../../src/model/job.js'
import type { ServiceEvent } from '../../src/model/events.js'
import type { Observation, Rule, RuleSpec } from './rule.js'

export interface Verdict {
  active: boolean
  summary?: string
  figures?: Record<string, number | string | null>
}

export interface JobRuleOptions {
  /** Judges the newest run of a job; null = no opinion this time (not enough samples). */
  check(job: JobSnapshot, now: number): Verdict | null
  /** Reacts to other events (transitions, operations); returns observations of its own. */
  onOther?(event: ServiceEvent, now: number): Observation[]
  /** A job name that disappears from its cluster: resolve its incident (metric rules) or leave it. */
  resolveVanished?: boolean
  /** Drops per-job memory when a name vanishes. */
  forget?(cluster: string, name: string): void
}

export function newestRuns(jobs: readonly JobSnapshot[]): Map<string, JobSnapshot> {
  const out = new Map<string, JobSnapshot>()
  for (const j of jobs) {
    const cur = out.get(j.name)
    if (!cur || (j.startTime ?? 0) > (cur.startTime ?? 0)) out.set(j.name, j)
  }
  return out
}

export function jobRule(spec: RuleSpec, o: JobRuleOptions): Rule {
  const known = new Map<string, Set<string>>()
  return {
    spec,
    level: 'job',
    onEvent(event, now) {
      if (event.type !== 'fleet.updated') return o.onOther?.(event, now) ?? []
      const at = event.at
      const out: Observation[] = []
      const runs = newestRuns(event.jobs)
      for (const job of runs.values()) {
        const v = o.check(job, at)
        if (!v) continue
        const subject = { cluster: event.cluster, jobName: job.name, jobId: job.jobId }
        out.push({ subject, active: v.active, at, ...(v.summary ? { summary: v.summary } : {}), ...(v.figures ? { figures: v.figures } : {}) })
      }
      const before = known.get(event.cluster) ?? new Set()
      for (const name of before) {
        if (runs.has(name)) continue
        o.forget?.(event.cluster, name)
        if (o.resolveVanished !== false) out.push({ subject: { cluster: event.cluster, jobName: name, jobId: null }, active: false, at })
      }
      known.set(event.cluster, new Set(runs.keys()))
      return out
    },
  }
}

/** Samples over a sliding time window, per key. */
class SampleWindow {
  private readonly samples = new Map<string, { at: number; value: number }[]>()
  constructor(private readonly windowMs: number, private readonly maxSamples = 10_000) {}

  add(key: string, at: number, value: number): { at: number; value: number }[] {
    let list = this.samples.get(key)
    if (!list) this.samples.set(key, (list = []))
    list.push({ at, value })
    while (list.length > 0 && (at - list[0]!.at > this.windowMs || list.length > this.maxSamples)) list.shift()
    return list
  }

  last(key: string): { at: number; value: number } | undefined {
    return this.samples.get(key)?.at(-1)
  }

  /** The samples still inside the window at `at`, without adding one. */
  current(key: string, at: number): { at: number; value: number }[] {
    const list = this.samples.get(key) ?? []
    while (list.length > 0 && at - list[0]!.at > this.windowMs) list.shift()
    return list
  }

  reset(key: string): void {
    this.samples.delete(key)
  }
}

/**
 * How much a per-run counter of a job (Flink's numRestarts, failed checkpoints) grew within a
 * window. A counter that goes down (a new run) adds nothing. On a new run (new job id) the window
 * either starts again (`reset`: the new run's first value is its baseline) or keeps judging the job
 * with the new run counted from 0 (`from-zero`).
 */
export class CounterWindow {
  private readonly samples: SampleWindow
  private readonly runs = new Map<string, string>()

  constructor(windowMs: number, private readonly onNewRun: 'reset' | 'from-zero') {
    this.samples = new SampleWindow(windowMs)
  }

  /** Adds this poll's value; returns the increase within the window. */
  increase(job: JobSnapshot, now: number, value: number): number {
    const key = `${job.cluster}|${job.name}`
    const run = this.runs.get(key)
    if (run !== job.jobId) {
      if (this.onNewRun === 'reset') this.samples.reset(key)
      else if (run !== undefined) this.samples.add(key, now, 0)
      this.runs.set(key, job.jobId)
    }
    // A per-run counter never goes down: a lower value is a stale view of the run (a lagging metric, an
    // instance's mirror a poll behind the owner), and counting it would count the rise after it twice.
    const last = this.samples.last(key)
    const list = last !== undefined && value < last.value ? this.samples.current(key, now) : this.samples.add(key, now, value)
    let inc = 0
    for (let i = 1; i < list.length; i++) inc += Math.max(0, list[i]!.value - list[i - 1]!.value)
    return inc
  }

  forget(cluster: string, name: string): void {
    this.samples.reset(`${cluster}|${name}`)
    this.runs.delete(`${cluster}|${name}`)
  }
}

export const fmt = (n: number): string =>
  Math.abs(n) >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : Math.abs(n) >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : Number.isInteger(n) ? String(n) : n.toFixed(2)
export const pct = (r: number): string => `${Math.round(r * 100)}%`
