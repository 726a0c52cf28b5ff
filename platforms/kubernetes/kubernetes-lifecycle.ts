/**
 * Lifecycle actions through the Flink Kubernetes Operator (kubernetes-actions.ts): the operator carries
 * them out from spec changes. cancel and stop = `spec.job.state: suspended` (the operator takes a
 * savepoint or keeps last state per `upgradeMode`); savepoint = `spec.job.savepointTriggerNonce`;
 * restart = resume a suspended job, else redeploy from the newest restore point flinkwatch knows
 * (`initialSavepointPath` + `savepointRedeployNonce`), else `spec.restartNonce` (the operator's last-state).
 * Progress is read back from the resource status.
 */
import { sleep, type Clock } from '../../src/core/clock.js'
import { AppError, BadRequestError } from '../../src/core/errors.js'
import type { RestorePoint } from '../../src/model/operation.js'
import type { ActionContext, CancelResult, JobRef, LifecycleActions, RestartOptions, RestartResult, SavepointResult, StopOptions } from '../../src/lifecycle/actions.js'
import type { KubernetesActions, KubernetesResourceRef, ResourceStatus } from './kubernetes-actions.js'
import { noRestorePoint } from '../../src/lifecycle/restore-point.js'
import type { RestorePointMemory } from '../../src/lifecycle/restore-point-memory.js'

export interface KubernetesLifecycleOptions {
  cluster: string
  kube: KubernetesActions
  clock: Clock
  memory?: RestorePointMemory
  pollMs?: number
  stepTimeoutMs?: number
}

export class KubernetesLifecycleActions implements LifecycleActions {
  readonly clusterType = 'kubernetes' as const
  constructor(private readonly o: KubernetesLifecycleOptions) {}

  async cancel(job: JobRef, ctx: ActionContext): Promise<CancelResult> {
    await this.o.kube.suspend(this.ref(job), ctx.signal)
    const s = await this.waitFor(job, ctx, (st) => st.lifecycleState === 'SUSPENDED' || st.jobState === 'CANCELED' || st.jobState === 'FINISHED')
    return { finalState: s.jobState }
  }

  async stop(job: JobRef, _opts: StopOptions, ctx: ActionContext): Promise<SavepointResult> {
    const before = await this.o.kube.get(this.ref(job), ctx.signal)
    await this.o.kube.suspend(this.ref(job), ctx.signal)
    const s = await this.waitFor(job, ctx, (st) => st.lifecycleState === 'SUSPENDED')
    const path = s.upgradeSavepointPath ?? s.lastSavepoint
    if (!path || path === before.upgradeSavepointPath) throw new AppError('ERR_UPSTREAM', `${job.jobName} is suspended but the operator reports no new savepoint (upgradeMode last-state or stateless?)`, { retriable: false })
    await this.o.memory?.remember(job.cluster, job.jobName, { path, kind: 'savepoint', completedAt: this.o.clock.now(), jobId: job.jobId })
    return { savepointPath: path, finalState: s.jobState }
  }

  async savepoint(job: JobRef, ctx: ActionContext): Promise<SavepointResult> {
    const before = await this.o.kube.get(this.ref(job), ctx.signal)
    await this.o.kube.triggerSavepoint(this.ref(job), ctx.signal)
    const s = await this.waitFor(job, ctx, (st) => st.lastSavepoint !== null && st.lastSavepoint !== before.lastSavepoint)
    const path = s.lastSavepoint!
    await this.o.memory?.remember(job.cluster, job.jobName, { path, kind: 'savepoint', completedAt: this.o.clock.now(), jobId: job.jobId })
    return { savepointPath: path }
  }

  async restart(job: JobRef, opts: RestartOptions, ctx: ActionContext): Promise<RestartResult> {
    const ref = this.ref(job)
    const status = await this.o.kube.get(ref, ctx.signal)
    let previous: RestartResult['previous'] = 'terminal'
    let restore: RestorePoint | null = opts.restorePoint ?? null
    if (status.lifecycleState === 'SUSPENDED') {
      await this.o.kube.resume(ref, ctx.signal)
    } else {
      restore ??= await this.latestRestorePoint(job, ctx)
      if (restore) await this.o.kube.redeployFromSavepoint(ref, restore.path, ctx.signal)
      else if (opts.allowFreshStart || status.upgradeSavepointPath) await this.o.kube.restart(ref, ctx.signal)
      else throw noRestorePoint(job)
      previous = status.jobState === 'RUNNING' ? 'canceled' : 'terminal'
    }
    const s = await this.waitFor(job, ctx, (st) => st.jobState === 'RUNNING' && st.jobId !== null && (st.jobId !== job.jobId || status.jobState !== 'RUNNING'))
    return { newJobId: s.jobId, restoredFrom: restore, previous, details: { lifecycleState: s.lifecycleState } }
  }

  async latestRestorePoint(job: JobRef, _ctx: ActionContext): Promise<RestorePoint | null> {
    return (await this.o.memory?.get(job.cluster, job.jobName)) ?? null
  }

  async activeInstance(job: JobRef, ctx: ActionContext): Promise<{ jobId: string; state: string } | null> {
    const s = await this.o.kube.get(this.ref(job), ctx.signal)
    return s.jobState && !['FAILED', 'CANCELED', 'FINISHED', 'SUSPENDED'].includes(s.jobState) && s.lifecycleState !== 'SUSPENDED' ? { jobId: s.jobId ?? job.jobId, state: s.jobState } : null
  }

  private ref(job: JobRef): KubernetesResourceRef {
    const k = job.platform?.kubernetes
    if (!k) throw new BadRequestError(`job ${job.jobId} has no Kubernetes resource (not seen by the Kubernetes collector yet?)`)
    if (k.kind === 'native') throw new BadRequestError(`job ${job.jobName} runs on a native Kubernetes cluster without the operator: flinkwatch has no resource to act on`)
    return { kind: k.kind, namespace: k.namespace, name: k.name }
  }

  private async waitFor(job: JobRef, ctx: ActionContext, done: (s: ResourceStatus) => boolean): Promise<ResourceStatus> {
    const deadline = this.o.clock.now() + (this.o.stepTimeoutMs ?? 10 * 60_000)
    for (;;) {
      const s = await this.o.kube.get(this.ref(job), ctx.signal)
      if (done(s)) return s
      if (s.error && this.o.clock.now() >= deadline) throw new AppError('ERR_UPSTREAM', `operator reports: ${s.error}`, { retriable: true })
      if (this.o.clock.now() >= deadline) throw new AppError('ERR_UPSTREAM_TIMEOUT', `${job.jobName} did not reach the expected state in time (lifecycle ${s.lifecycleState}, job ${s.jobState})`, { retriable: true })
      ctx.progress(`operator: lifecycle ${s.lifecycleState ?? '?'}, job ${s.jobState ?? '?'}`)
      await sleep(this.o.clock, this.o.pollMs ?? 2000, ctx.signal)
    }
  }
}
