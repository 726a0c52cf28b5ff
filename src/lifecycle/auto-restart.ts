/**
 * Auto-restart of failed jobs. Level-triggered: on every `fleet.updated` of a cluster (which only comes
 * while the cluster answers), each job *name* with a matching policy whose newest instance is FAILED (or,
 * when configured, CANCELED without an operator action) and has no live instance is considered once.
 *
 * Single-flight and multi-instance safety come from the store:
 * - the per-job restart state (`restart_state`, updated with compareAndSet) records which failed instance
 *   was claimed by whom and every attempt, so two flinkwatch instances never both claim one failure, and
 *   the attempt budget (maxAttempts per sliding window, backoff doubling) is shared;
 * - a lease (`leases`) is held while a restart runs; right before resubmitting, the restarter checks again
 *   that the cluster is up and no instance of the job runs (another instance or a person may have
 *   restarted it), and the action re-reads the checkpoints to restore from the newest one.
 * Every attempt and its result is announced; a spent budget raises the critical `auto-restart-gave-up`
 * incident, resolved when the job runs again.
 */
import type { AutoRestartConfig } from '../config/sections/auto-restart.js'
import { FencedError, UNFENCED, fencedCompareAndSet, type Fence } from '../ha/fence.js'
import type { Clock, TimerHandle } from '../core/clock.js'
import type { Component, ComponentStatus } from '../core/component.js'
import { errorMessage } from '../core/errors.js'
import type { EventBus } from '../core/event-bus.js'
import type { Logger } from '../core/logger.js'
import type { FleetView } from '../fleet/fleet-view.js'
import { isTerminal, type JobSnapshot } from '../model/job.js'
import { AUTO_RESTART_PRINCIPAL, type AuditEvent, type Operation } from '../model/operation.js'
import type { CollectionSpec, Store, StoredDoc } from '../storage/store.js'
import type { IncidentSink } from '../../alerting/incidents.js'
import type { RestartPause } from '../model/maintenance.js'
import type { JobRef, LifecycleActions } from './actions.js'
import { PolicyMatcher, wantsRestart, type EffectivePolicy } from './auto-restart-policy.js'
import { StoreLeases } from './lease.js'
import type { OperationService } from './operations.js'
import { decideRestart, pushBounded, skipMessage, type AttemptRecord, type Decision, type RestartState, type SkipReason } from './restart-decision.js'

export const RESTART_STATE_COLLECTION = 'restart_state'
export const restartStateCollection: CollectionSpec = { name: RESTART_STATE_COLLECTION, keywords: ['cluster', 'jobName'] }
export const GAVE_UP_RULE = 'auto-restart-gave-up'

export type { AttemptRecord, RestartState, SkipReason } from './restart-decision.js'

export interface AutoRestarterOptions {
  config: AutoRestartConfig
  view: FleetView
  bus: EventBus
  clock: Clock
  logger: Logger
  store: Store
  operations: OperationService
  actions(cluster: string): LifecycleActions | undefined
  incidents: IncidentSink
  /** Maintenance windows with pauseAutoRestart: a job they match is left alone while one is open. */
  pause?: RestartPause
  /** This flinkwatch instance (lease and claim owner). */
  instanceId: string
  /** How long one restart may hold the job's lease. */
  leaseTtlMs?: number
  /**
   * HA fencing: the cluster's lease as this instance holds it (src/ha/), undefined when it does not. Checked
   * before a failure is claimed (and the claim is a fenced compare-and-set: a claim by an older epoch than the
   * one that last wrote the job's restart state is refused) and again right before the restart is issued, so
   * an owner that was paused past its lease claims and restarts nothing. Absent: always ours.
   */
  fence?: (cluster: string) => Fence | undefined
}

export class AutoRestarter implements Component {
  readonly name = 'auto-restart'
  private readonly matcher: PolicyMatcher
  private readonly leases: StoreLeases
  private readonly timers = new Map<string, TimerHandle>()
  /**
   * Failed instances this process already decided on, with when the entry may be forgotten (a cache of the
   * store's `handled`): the restart window plus the claim expiry after the decision. Pruned on every
   * evaluation so it stays bounded; a forgotten instance that shows up again is either older than the window
   * or found in the store's `handled`, so it is never restarted twice.
   */
  private readonly seen = new Map<string, number>()
  /** Failed instances another flinkwatch instance claimed: when its claim expires (it may have died). */
  private readonly claimedElsewhere = new Map<string, number>()
  private readonly busy = new Set<string>()
  private readonly waitingForCluster = new Map<string, { job: JobSnapshot; eff: EffectivePolicy; attempt: number }>()
  private readonly gaveUp = new Set<string>()
  private readonly work = new Set<Promise<unknown>>()
  private unsubscribe: (() => void)[] = []
  private lastError: string | null = null
  private stopped = false

  constructor(private readonly o: AutoRestarterOptions) {
    this.matcher = new PolicyMatcher(o.config)
    this.leases = new StoreLeases(o.store, o.clock, o.instanceId)
  }

  async start(): Promise<void> {
    if (!this.o.config.enabled) return
    this.stopped = false
    this.unsubscribe = [
      this.o.bus.subscribe('fleet.updated', (ev) => this.track(this.evaluate(ev.cluster, ev.jobs))),
      this.o.bus.subscribe('operation.updated', (ev) => this.track(this.onOperation(ev.operation))),
    ]
  }

  async stop(): Promise<void> {
    this.stopped = true
    for (const u of this.unsubscribe) u()
    this.unsubscribe = []
    for (const t of this.timers.values()) this.o.clock.clearTimeout(t)
    this.timers.clear()
    await Promise.allSettled([...this.work])
  }

  readiness(): ComponentStatus {
    if (!this.o.config.enabled) return { ready: true, detail: 'disabled' }
    return { ready: true, detail: `${this.o.config.dryRun ? 'dry run, ' : ''}${this.o.config.jobs.length} polic${this.o.config.jobs.length === 1 ? 'y' : 'ies'}, ${this.timers.size} scheduled${this.lastError ? `; last error: ${this.lastError}` : ''}` }
  }

  /** Resolves when every restart started so far has ended (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work])
  }

  /** Entries of the decided-instances cache (tests check it stays bounded). */
  get decidedCacheSize(): number {
    return this.seen.size + this.claimedElsewhere.size
  }

  /** Decides on the jobs of one cluster as the fleet last saw them. */
  async evaluate(cluster: string, jobs: readonly JobSnapshot[]): Promise<void> {
    if (this.stopped || this.o.view.cluster(cluster)?.status === 'down') return
    this.prune()
    for (const [k, w] of this.waitingForCluster) {
      if (w.job.cluster !== cluster) continue
      this.waitingForCluster.delete(k)
      this.track(this.execute(w.job, w.eff, w.attempt))
    }
    const byName = new Map<string, JobSnapshot[]>()
    for (const j of jobs) {
      if (!this.matcher.match(j.name)) continue
      const list = byName.get(j.name) ?? []
      list.push(j)
      byName.set(j.name, list)
    }
    for (const [name, list] of byName) {
      const k = key(cluster, name)
      const live = list.find((j) => !isTerminal(j.state) && j.state !== 'UNKNOWN')
      if (live) {
        if (live.state === 'RUNNING' && this.gaveUp.has(k)) {
          this.gaveUp.delete(k)
          this.o.incidents.resolve(GAVE_UP_RULE, cluster, name)
        }
        continue
      }
      // Not remembered: once the window closes, the next poll considers the job as usual.
      if (this.o.pause?.pausedBy(cluster, name, this.o.clock.now())) continue
      const newest = [...list].sort((a, b) => (b.startTime ?? 0) - (a.startTime ?? 0))[0]!
      if (this.seen.has(newest.jobId) || this.busy.has(k) || this.timers.has(k)) continue
      if ((this.claimedElsewhere.get(newest.jobId) ?? 0) >= this.o.clock.now()) continue
      if (!wantsRestart(newest.state, { restartUnexpectedCanceled: this.o.config.restartUnexpectedCanceled, operatorStopped: false })) continue
      const eff = this.matcher.match(name)!
      const endedAt = newest.endTime ?? this.o.view.terminalSince(cluster, newest.jobId) ?? this.o.clock.now()
      if (this.o.clock.now() - endedAt > eff.windowMs) {
        // Failed long before flinkwatch saw it (flinkwatch was down): not ours to resurrect.
        this.remember(newest.jobId, eff)
        this.o.logger.info({ cluster, job: name, jobId: newest.jobId }, `not restarting ${name}: it ended more than the restart window ago`)
        continue
      }
      await this.consider(newest, eff, false)
    }
  }

  /** Claims the failed instance in the store and schedules the attempt, or gives up. */
  private async consider(job: JobSnapshot, eff: EffectivePolicy, retry: boolean): Promise<void> {
    const fence = this.o.fence ? this.o.fence(job.cluster) : UNFENCED
    if (!fence?.held()) return
    const k = key(job.cluster, job.name)
    const now = this.o.clock.now()
    let d: Decision
    try {
      d = await this.decide<Decision>(job.cluster, job.name, (s) =>
        decideRestart(s, { failedJobId: job.jobId, startTime: job.startTime, instanceId: this.o.instanceId, now, retry, eff, claimTtlMs: this.claimTtlMs() }),
        fence,
      )
    } catch (err) {
      if (err instanceof FencedError) {
        this.o.logger.info({ cluster: job.cluster, job: job.name, jobId: job.jobId }, `auto-restart of ${job.name} not claimed: ${err.reason}`)
        return
      }
      this.fail(`deciding on ${job.name} failed: ${errorMessage(err)}`)
      return
    }
    this.claimedElsewhere.delete(job.jobId)
    // Another instance's pending claim is looked at again when it expires: if that instance died, we take over.
    if (d.kind === 'skip' && d.reason.kind === 'already-handled' && d.reason.recheckAt !== undefined) this.claimedElsewhere.set(job.jobId, d.reason.recheckAt)
    else this.remember(job.jobId, eff)
    if (d.kind === 'skip') {
      // One line per failed instance and process (the decision is cached): which instance decided what, for debugging.
      this.o.logger.debug({ cluster: job.cluster, job: job.name, jobId: job.jobId, instance: this.o.instanceId }, `auto-restart of ${job.name} (${job.jobId}) not claimed: ${skipMessage(d.reason)}`)
      if (d.reason.kind === 'operator-stopped') this.o.logger.info({ cluster: job.cluster, job: job.name }, `not restarting ${job.name}: an operator stopped it`)
      return
    }
    const ref = jobRef(job)
    if (d.kind === 'give-up') return this.giveUp(ref, eff, d.attempts)
    this.o.logger.info({ cluster: job.cluster, job: job.name, jobId: job.jobId, instance: this.o.instanceId, attempt: d.attempt, delayMs: d.delayMs }, `auto-restart of ${job.name}: attempt ${d.attempt}/${eff.maxAttempts} in ${d.delayMs} ms`)
    const timer = this.o.clock.setTimeout(() => {
      this.timers.delete(k)
      this.track(this.execute(job, eff, d.attempt))
    }, d.delayMs)
    this.timers.set(k, timer)
  }

  private async execute(job: JobSnapshot, eff: EffectivePolicy, attempt: number): Promise<void> {
    if (this.stopped) return
    const k = key(job.cluster, job.name)
    const ref = jobRef(job)
    if (this.o.view.cluster(job.cluster)?.status !== 'up') {
      // Never while the cluster is down: resume on the next poll that reaches it.
      this.waitingForCluster.set(k, { job, eff, attempt })
      this.o.logger.warn({ cluster: job.cluster, job: job.name }, `auto-restart of ${job.name} waits: cluster ${job.cluster} is down`)
      return
    }
    const actions = this.o.actions(job.cluster)
    if (!actions) return this.fail(`no lifecycle actions for cluster ${job.cluster}`)
    const lease = await this.leases.acquire(`auto-restart/${k}`, this.o.leaseTtlMs ?? 15 * 60_000).catch((err: unknown) => (this.fail(errorMessage(err)), null))
    if (lease && this.o.fence && !this.o.fence(job.cluster)?.held()) {
      // Lost the cluster while waiting (paused, partitioned): its new owner decides; we restart nothing.
      await this.leases.release(lease).catch(() => undefined)
      this.o.logger.warn({ cluster: job.cluster, job: job.name }, `auto-restart of ${job.name} dropped: this instance no longer holds cluster ${job.cluster}`)
      return
    }
    if (!lease) return this.audit(ref, 'skipped', 'another flinkwatch instance holds the restart lease', { attempt })
    this.busy.add(k)
    let again = false
    try {
      again = await this.attempt(job, ref, eff, attempt, actions)
    } catch (err) {
      this.fail(`auto-restart of ${job.name} failed: ${errorMessage(err)}`)
    } finally {
      this.busy.delete(k)
      await this.leases.release(lease).catch(() => undefined)
    }
    // The job is still down: the next attempt (or giving up) follows the same budget.
    if (again && !this.stopped) await this.consider(job, eff, true).catch((err: unknown) => this.fail(`auto-restart of ${job.name} failed: ${errorMessage(err)}`))
  }

  /** One attempt under the lease; true when it failed and the next one should be considered. */
  private async attempt(job: JobSnapshot, ref: JobRef, eff: EffectivePolicy, attempt: number, actions: LifecycleActions): Promise<boolean> {
    const probe = { signal: new AbortController().signal, progress: () => {} }
    const state = await this.o.store.get<RestartState>(RESTART_STATE_COLLECTION, key(job.cluster, job.name))
    if (state?.body.operatorStopped.includes(job.jobId)) return this.skip(ref, attempt, { kind: 'operator-stopped' })
    let active: { jobId: string; state: string } | null
    try {
      active = await actions.activeInstance(ref, probe)
    } catch (err) {
      // Unknown is not "not running": no resubmission now; the attempt counts as failed and the next one follows the budget.
      const message = `not restarting ${job.name} now: cannot tell whether it already runs (${errorMessage(err)}); retrying later`
      this.o.logger.warn({ cluster: job.cluster, job: job.name, jobId: job.jobId, attempt }, message)
      await this.audit(ref, 'failed', message, { attempt })
      await this.markAttempt(job, { outcome: 'failed' })
      return true
    }
    if (active) return this.skip(ref, attempt, { kind: 'already-running', jobId: active.jobId, state: active.state })

    if (this.o.config.dryRun) {
      const point = await actions.latestRestorePoint(ref, probe).catch(() => null)
      const message = `dry run: would restart ${job.name} (attempt ${attempt}/${eff.maxAttempts}) from ${point ? `${point.kind} ${point.path}` : eff.policy.allowFreshStart ? 'no state (allowFreshStart)' : 'nothing: no restore point, it would fail'}`
      this.o.logger.info({ cluster: job.cluster, job: job.name, jobId: job.jobId, restorePoint: point?.path ?? null }, message)
      await this.audit(ref, 'dry-run', message, { attempt, restorePoint: point })
      await this.markAttempt(job, { outcome: 'dry-run' })
      return false
    }

    this.o.incidents.announce({ severity: 'warning', cluster: job.cluster, jobName: job.name, summary: `auto-restart of ${job.name}: attempt ${attempt}/${eff.maxAttempts} (job ${job.jobId} is ${job.state}${job.latestException ? `: ${job.latestException.message}` : ''})` })
    const op = await this.o.operations.start({
      action: 'restart',
      job: ref,
      requestedBy: AUTO_RESTART_PRINCIPAL,
      details: { attempt, maxAttempts: eff.maxAttempts, failedJobId: job.jobId, policy: eff.policy.name },
      run: async (ctx) => ({ ...(await actions.restart(ref, { policy: eff.policy, allowFreshStart: eff.policy.allowFreshStart }, ctx)) }),
    })
    await this.markAttempt(job, { outcome: 'running', operationId: op.id })
    const final = (await this.o.operations.settled(op.id)) ?? op
    const ok = final.status === 'succeeded'
    const newJobId = typeof final.result?.['newJobId'] === 'string' ? final.result['newJobId'] : null
    await this.markAttempt(job, { outcome: ok ? 'succeeded' : 'failed', newJobId })
    this.o.incidents.announce({
      severity: ok ? 'info' : 'warning',
      cluster: job.cluster,
      jobName: job.name,
      summary: ok ? `auto-restart of ${job.name} succeeded (attempt ${attempt}/${eff.maxAttempts}): ${final.message ?? ''}` : `auto-restart of ${job.name} failed (attempt ${attempt}/${eff.maxAttempts}): ${final.message ?? ''}`,
    })
    return !ok
  }

  /** The one audit record of the restarter (who: auto-restart, action: restart). */
  private audit(job: JobRef, outcome: AuditEvent['outcome'], message: string, details: Record<string, unknown>): Promise<void> {
    return this.o.operations.audit({ who: AUTO_RESTART_PRINCIPAL, action: 'restart', cluster: job.cluster, jobId: job.jobId, jobName: job.jobName, outcome, message, operationId: null, details }).then(() => undefined)
  }

  private async giveUp(job: JobRef, eff: EffectivePolicy, attempts: number): Promise<void> {
    const summary = `auto-restart gave up on ${job.jobName} (cluster ${job.cluster}): ${attempts} attempts within ${Math.round(eff.windowMs / 60_000)} min did not keep it running`
    this.o.logger.error({ cluster: job.cluster, job: job.jobName, jobId: job.jobId, attempts }, summary)
    await this.audit(job, 'gave-up', summary, { attempts, maxAttempts: eff.maxAttempts, windowMs: eff.windowMs })
    if (this.o.config.dryRun) return
    this.gaveUp.add(key(job.cluster, job.jobName))
    this.o.incidents.raise({ rule: GAVE_UP_RULE, severity: 'critical', cluster: job.cluster, jobId: job.jobId, jobName: job.jobName, summary, figures: { attempts, maxAttempts: eff.maxAttempts, window: `${Math.round(eff.windowMs / 60_000)}m` } })
  }

  private async skip(job: JobRef, attempt: number, reason: SkipReason): Promise<false> {
    const message = skipMessage(reason)
    this.o.logger.info({ cluster: job.cluster, job: job.jobName }, `auto-restart of ${job.jobName} skipped: ${message}`)
    await this.audit(job, 'skipped', message, { attempt })
    await this.markAttempt({ cluster: job.cluster, name: job.jobName, jobId: job.jobId }, { outcome: 'skipped' })
    return false
  }

  private async onOperation(op: Operation): Promise<void> {
    if (op.status !== 'pending' || op.requestedBy === AUTO_RESTART_PRINCIPAL || !op.jobName) return
    if (op.action !== 'cancel' && op.action !== 'stop') return
    await this.updateState(op.cluster, op.jobName, (s) => ({ ...s, operatorStopped: pushBounded(s.operatorStopped, op.jobId) })).catch((err: unknown) => this.fail(errorMessage(err)))
  }

  private async markAttempt(job: Pick<JobSnapshot, 'cluster' | 'name' | 'jobId'>, patch: Partial<AttemptRecord>): Promise<void> {
    await this.updateState(job.cluster, job.name, (s) => {
      for (let i = s.attempts.length - 1; i >= 0; i--) {
        const a = s.attempts[i]!
        if (a.failedJobId === job.jobId && a.owner === this.o.instanceId) {
          s.attempts[i] = { ...a, ...patch }
          return s
        }
      }
      return null
    }).catch((err: unknown) => this.fail(errorMessage(err)))
  }

  /** Read-modify-write of the job's restart state with compareAndSet; `fn` returns null to leave it. */
  private async updateState(cluster: string, jobName: string, fn: (s: RestartState) => RestartState | null): Promise<void> {
    await this.decide(cluster, jobName, (s) => ({ next: fn(s), result: undefined }))
  }

  /**
   * Read-modify-write with compareAndSet that also returns what `fn` decided on the state that was written
   * (or left alone: `next` null). A lost race runs `fn` again on the newer state, so the decision always
   * matches the stored state. With a fence (claims), written under the cluster lease's epoch.
   */
  private async decide<R>(cluster: string, jobName: string, fn: (s: RestartState) => { next: RestartState | null; result: R }, fence?: Fence): Promise<R> {
    const id = key(cluster, jobName)
    for (let i = 0; i < 10; i++) {
      const cur: StoredDoc<RestartState> | undefined = await this.o.store.get<RestartState>(RESTART_STATE_COLLECTION, id)
      const base: RestartState = cur ? structuredClone(cur.body) : { cluster, jobName, attempts: [], handled: [], operatorStopped: [], gaveUp: null }
      const { next, result } = fn(base)
      if (!next) return result
      const doc = { id, timestamp: this.o.clock.now(), body: next }
      const r =
        fence && fence !== UNFENCED
          ? await fencedCompareAndSet(this.o.store, RESTART_STATE_COLLECTION, doc, cur ?? null, fence)
          : await this.o.store.compareAndSet<RestartState>(RESTART_STATE_COLLECTION, doc, cur?.version ?? null)
      if (r.ok) return result
      if ('fenced' in r) throw new FencedError(String(r.fenced))
    }
    throw new Error(`restart state of ${id} keeps changing under us`)
  }

  private remember(failedJobId: string, eff: EffectivePolicy): void {
    this.seen.set(failedJobId, this.o.clock.now() + eff.windowMs + this.claimTtlMs())
  }

  /** Forgets decisions older than the restart window plus the claim expiry, and claims long expired. */
  private prune(): void {
    const now = this.o.clock.now()
    for (const [id, until] of this.seen) if (until < now) this.seen.delete(id)
    for (const [id, recheckAt] of this.claimedElsewhere) if (recheckAt + this.claimTtlMs() < now) this.claimedElsewhere.delete(id)
  }

  private claimTtlMs(): number {
    return this.o.leaseTtlMs ?? 15 * 60_000
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((err: unknown) => this.fail(errorMessage(err)))
    this.work.add(q)
    void q.finally(() => this.work.delete(q))
  }

  private fail(message: string): void {
    this.lastError = message
    this.o.logger.error(message)
  }
}

function key(cluster: string, jobName: string): string {
  return `${cluster}/${jobName}`
}

function jobRef(j: JobSnapshot): JobRef {
  return { cluster: j.cluster, jobId: j.jobId, jobName: j.name, state: j.state, ...(j.platform ? { platform: j.platform } : {}) }
}
