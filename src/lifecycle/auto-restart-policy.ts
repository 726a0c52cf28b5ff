/**
 * Auto-restart policy, pure: which configured entry applies to a job name, whether a terminal state asks
 * for a restart, and what the budget allows now (at most `maxAttempts` per sliding `window`, the n-th
 * attempt in the window after `backoff × 2^(n-1)`).
 */
import type { AutoRestartConfig, RestartJobPolicy } from '../config/sections/auto-restart.js'

export interface EffectivePolicy {
  policy: RestartJobPolicy
  /** Index of the entry in autoRestart.jobs (for messages). */
  index: number
  maxAttempts: number
  windowMs: number
  backoffMs: number
}

export class PolicyMatcher {
  private readonly compiled: { re: RegExp; policy: RestartJobPolicy; index: number }[]

  constructor(private readonly config: AutoRestartConfig) {
    // The whole name must match: "orders-.*" must not pick up "legacy-orders-x".
    this.compiled = config.jobs.map((policy, index) => ({ re: new RegExp(`^(?:${policy.name})$`), policy, index }))
  }

  /** The first entry whose pattern matches the whole job name. */
  match(jobName: string): EffectivePolicy | null {
    const hit = this.compiled.find((c) => c.re.test(jobName))
    if (!hit) return null
    const p = hit.policy
    return {
      policy: p,
      index: hit.index,
      maxAttempts: p.maxAttempts ?? this.config.maxAttempts,
      windowMs: (p.window ?? this.config.window),
      backoffMs: (p.backoff ?? this.config.backoff),
    }
  }
}

/** FAILED always; CANCELED only when configured and not caused by an operator. */
export function wantsRestart(state: string, opts: { restartUnexpectedCanceled: boolean; operatorStopped: boolean }): boolean {
  if (opts.operatorStopped) return false
  if (state === 'FAILED') return true
  return state === 'CANCELED' && opts.restartUnexpectedCanceled
}

export type AttemptPlan =
  | { kind: 'attempt'; /** 1-based number of this attempt within the window. */ attempt: number; delayMs: number }
  | { kind: 'give-up'; attemptsInWindow: number }

/** `attempts`: start times (epoch ms) of earlier attempts of this job. */
export function planAttempt(attempts: readonly number[], now: number, p: Pick<EffectivePolicy, 'maxAttempts' | 'windowMs' | 'backoffMs'>): AttemptPlan {
  const inWindow = attempts.filter((t) => t > now - p.windowMs).length
  if (inWindow >= p.maxAttempts) return { kind: 'give-up', attemptsInWindow: inWindow }
  return { kind: 'attempt', attempt: inWindow + 1, delayMs: p.backoffMs * 2 ** inWindow }
}
