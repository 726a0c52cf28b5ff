/**
 * The auto-restart decision on one failed instance, as a pure function of the job's stored restart state:
 * claim it (schedule an attempt), give up, or skip it for a typed reason. The restarter runs it inside a
 * compareAndSet loop (auto-restart.ts), so the decision always matches the state that was written.
 */
import type { EffectivePolicy } from './auto-restart-policy.js'
import { planAttempt } from './auto-restart-policy.js'

export interface AttemptRecord {
  at: number
  failedJobId: string
  owner: string
  outcome: 'scheduled' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'dry-run'
  /** Until when the owner's claim holds; an abandoned claim (owner died) may be taken over after it. */
  claimUntil: number
  operationId: string | null
  newJobId: string | null
}

export interface RestartState {
  [key: string]: unknown
  cluster: string
  jobName: string
  attempts: AttemptRecord[]
  /** Failed instances already decided on (claimed, given up, skipped), newest last. */
  handled: string[]
  /** Instances an operator canceled or stopped through flinkwatch: never restarted. */
  operatorStopped: string[]
  gaveUp: { at: number; failedJobId: string } | null
}

/** Why an instance is not restarted. */
export type SkipReason =
  | { kind: 'operator-stopped' }
  /** `recheckAt`: another instance's claim that is not settled yet; look again once it may be abandoned. */
  | { kind: 'already-handled'; recheckAt?: number }
  | { kind: 'already-gave-up' }
  | { kind: 'already-running'; jobId: string; state: string }

export type Decision =
  | { kind: 'attempt'; attempt: number; delayMs: number }
  | { kind: 'give-up'; attempts: number }
  | { kind: 'skip'; reason: SkipReason }

/** The words of a skip reason, in logs and the audit trail. */
export function skipMessage(r: SkipReason): string {
  switch (r.kind) {
    case 'operator-stopped':
      return 'an operator stopped it'
    case 'already-handled':
      return 'already handled'
    case 'already-gave-up':
      return 'already gave up'
    case 'already-running':
      return `it already runs again as ${r.jobId} (${r.state})`
  }
}

export interface DecisionInput {
  failedJobId: string
  /** Start of the failed instance (a give-up covers instances started before it). */
  startTime: number | null
  instanceId: string
  now: number
  /** A new attempt after a failed one (the instance is already in `handled`). */
  retry: boolean
  eff: EffectivePolicy
  /** How long a claim holds beyond the attempt's delay. */
  claimTtlMs: number
}

export const KEEP = 50

export function pushBounded<T>(list: readonly T[], item: T): T[] {
  return [...list, item].slice(-KEEP)
}

/** Decides on a copy of the state; `next` null leaves the stored state as it is. */
export function decideRestart(s: RestartState, i: DecisionInput): { next: RestartState | null; result: Decision } {
  const mine = s.attempts.filter((a) => a.failedJobId === i.failedJobId)
  const last = mine[mine.length - 1]
  const pending = last !== undefined && (last.outcome === 'scheduled' || last.outcome === 'running') && last.owner !== i.instanceId
  const abandoned = pending && last.claimUntil < i.now
  if (s.operatorStopped.includes(i.failedJobId)) {
    s.handled = pushBounded(s.handled, i.failedJobId)
    return { next: s, result: { kind: 'skip', reason: { kind: 'operator-stopped' } } }
  }
  if (s.handled.includes(i.failedJobId) && !i.retry && !abandoned) {
    return { next: null, result: { kind: 'skip', reason: { kind: 'already-handled', ...(pending ? { recheckAt: last.claimUntil } : {}) } } }
  }
  const plan = planAttempt(s.attempts.filter((a) => a.outcome !== 'skipped').map((a) => a.at), i.now, i.eff)
  s.handled = pushBounded(s.handled, i.failedJobId)
  if (plan.kind === 'give-up') {
    // One give-up per episode: the failed instances our own attempts left behind started before we gave
    // up; only an instance started later (someone resubmitted it, it ran, it failed again) is news.
    if (s.gaveUp && (s.gaveUp.failedJobId === i.failedJobId || (i.startTime ?? 0) <= s.gaveUp.at)) {
      return { next: null, result: { kind: 'skip', reason: { kind: 'already-gave-up' } } }
    }
    s.gaveUp = { at: i.now, failedJobId: i.failedJobId }
    return { next: s, result: { kind: 'give-up', attempts: plan.attemptsInWindow } }
  }
  s.attempts = pushBounded(s.attempts, {
    at: i.now,
    failedJobId: i.failedJobId,
    owner: i.instanceId,
    outcome: 'scheduled',
    claimUntil: i.now + plan.delayMs + i.claimTtlMs,
    operationId: null,
    newJobId: null,
  })
  return { next: s, result: { kind: 'attempt', attempt: plan.attempt, delayMs: plan.delayMs } }
}
