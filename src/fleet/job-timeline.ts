/**
 * A job's timeline for the job page: stored state transitions and restarts, the root exceptions and
 * checkpoint outcomes Flink reports, lifecycle actions from the audit trail and incidents, newest first.
 * The sources other features own (audit, incidents) come in as functions (app.ts wires them), so this file
 * depends on none of them.
 */
import type { AlertEvent } from '../model/alert.js'
import type { AuditEvent } from '../model/operation.js'
import type { JobSnapshot } from '../model/job.js'
import type { Store } from '../storage/store.js'
import { readTransitions } from './transitions.js'

export type TimelineKind = 'state' | 'restart' | 'failure' | 'checkpoint' | 'checkpoint-failed' | 'action' | 'incident'

export interface TimelineEvent {
  at: number
  kind: TimelineKind
  from: string | null
  to: string | null
  message: string
}

export interface TimelineSources {
  store: Store
  /** Lifecycle audit events of the job (by id or name), newest first. */
  audit(q: { cluster: string; job: string; from: number; to: number; limit: number }): Promise<AuditEvent[]>
  /** Incidents of the job (by name) on the cluster. */
  incidents(q: { cluster: string; jobName: string; limit: number }): Promise<AlertEvent[]>
}

const kib = (n: number): string => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.round(n / 1024)} KiB`)

export async function jobTimeline(src: TimelineSources, job: JobSnapshot, q: { from: number; to: number; limit: number }): Promise<TimelineEvent[]> {
  const inRange = (t: number): boolean => t >= q.from && t < q.to
  const out: TimelineEvent[] = []
  const [transitions, audit, incidents] = await Promise.all([
    readTransitions(src.store, { cluster: job.cluster, jobId: job.jobId, from: q.from, to: q.to, limit: q.limit }),
    src.audit({ cluster: job.cluster, job: job.jobId, from: q.from, to: q.to, limit: q.limit }),
    src.incidents({ cluster: job.cluster, jobName: job.name, limit: q.limit }),
  ])
  for (const t of transitions) {
    if (t.from === t.to) out.push({ at: t.at, kind: 'restart', from: t.from, to: t.to, message: `restarted (${t.restarts} restart${t.restarts === 1 ? '' : 's'} in total)${t.exception ? `: ${t.exception}` : ''}` })
    else out.push({ at: t.at, kind: 'state', from: t.from, to: t.to, message: `${t.from ?? 'first seen'} → ${t.to}${t.exception ? `: ${t.exception}` : ''}` })
  }
  for (const e of job.exceptions ?? (job.latestException ? [job.latestException] : [])) {
    if (inRange(e.timestamp)) out.push({ at: e.timestamp, kind: 'failure', from: null, to: null, message: `${e.message}${e.taskName ? ` (in ${e.taskName})` : ''}` })
  }
  const cp = job.checkpoints
  for (const c of [cp?.lastCompleted, cp?.lastSavepoint]) {
    if (c && inRange(c.completedAt)) out.push({ at: c.completedAt, kind: 'checkpoint', from: null, to: null, message: `${c.isSavepoint ? 'savepoint' : 'checkpoint'} ${c.id} completed in ${c.durationMs} ms, ${kib(c.sizeBytes)}${c.externalPath ? ` at ${c.externalPath}` : ''}` })
  }
  if (cp?.lastFailedAt && inRange(cp.lastFailedAt)) {
    out.push({ at: cp.lastFailedAt, kind: 'checkpoint-failed', from: null, to: null, message: `checkpoint failed${cp.lastFailureMessage ? `: ${cp.lastFailureMessage}` : ''} (${cp.failed} failed in total)` })
  }
  for (const a of audit) {
    if (!inRange(a.at) || (a.jobId !== null && a.jobId !== job.jobId && a.jobName !== job.name)) continue
    out.push({ at: a.at, kind: 'action', from: null, to: null, message: `${a.action} ${a.outcome} by ${a.who}${a.message ? `: ${a.message}` : ''}` })
  }
  for (const i of incidents) {
    if (inRange(i.startsAt)) out.push({ at: i.startsAt, kind: 'incident', from: null, to: 'firing', message: `${i.rule} (${i.severity}) firing: ${i.summary}` })
    if (i.endsAt !== null && inRange(i.endsAt)) out.push({ at: i.endsAt, kind: 'incident', from: 'firing', to: 'resolved', message: `${i.rule} resolved: ${i.summary}` })
  }
  // Newest first; at one instant, the order of the sources above reversed (a restart before its cause reads wrong).
  return out
    .map((e, i) => ({ e, i }))
    .sort((a, b) => b.e.at - a.e.at || b.i - a.i)
    .slice(0, q.limit)
    .map((x) => x.e)
}
