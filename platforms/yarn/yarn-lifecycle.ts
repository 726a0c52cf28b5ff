/**
 * Lifecycle actions for Flink on YARN, built on the YARN transport (yarn-actions.ts): cancel through the
 * RM proxy (GET yarn-cancel), savepoint and stop-with-savepoint directly at the JobManager (POST does not
 * pass the proxy), progress read through the proxy. Restart is for application-mode clusters: stop with a
 * savepoint if running (kill the application when that fails), then the policy's `command` template
 * (e.g. `flink run-application -t yarn-application -s {savepoint} ...`) run without a shell, with a
 * timeout and its output captured.
 *
 * "Could not read" never counts as "not running": a job whose state cannot be read (proxy error, no
 * application id) is only treated as ended when the RM says its application is terminal; otherwise the
 * action fails (retriable) rather than risk a second copy.
 */
import { Type } from '@sinclair/typebox'
import { sleep, type Clock } from '../../src/core/clock.js'
import { AppError, BadRequestError, ConflictError, UpstreamError, errorMessage } from '../../src/core/errors.js'
import { isTerminal, toJobState } from '../../src/model/job.js'
import type { RestorePoint } from '../../src/model/operation.js'
import type { ActionContext, CancelResult, JobRef, LifecycleActions, RestartOptions, RestartResult, SavepointResult, StopOptions } from '../../src/lifecycle/actions.js'
import { runCommand, type CommandResult } from '../../src/lifecycle/command-runner.js'
import { FlinkHttp, FlinkSessionActions } from '../flink/index.js'
import { requireRestorePoint } from '../../src/lifecycle/restore-point.js'
import type { RestorePointMemory } from '../../src/lifecycle/restore-point-memory.js'
import type { YarnActions, YarnJobRef } from './yarn-actions.js'
import { decodeJson } from '../../src/core/http/json.js'

const JobStatus = Type.Object({ state: Type.String() })
/** YARN application states after which nothing of the application runs. */
const TERMINAL_APP_STATES = new Set(['FINISHED', 'FAILED', 'KILLED'])

export interface YarnLifecycleOptions {
  cluster: string
  yarn: YarnActions
  clock: Clock
  timeoutMs: number
  memory?: RestorePointMemory
  pollMs?: number
  stepTimeoutMs?: number
  /** Tests inject the command runner. */
  run?: typeof runCommand
}

export class YarnLifecycleActions implements LifecycleActions {
  readonly clusterType = 'yarn' as const
  constructor(private readonly o: YarnLifecycleOptions) {}

  async cancel(job: JobRef, ctx: ActionContext): Promise<CancelResult> {
    await this.o.yarn.cancel(this.ref(job), ctx.signal)
    return { finalState: await this.waitTerminal(job, ctx) }
  }

  async stop(job: JobRef, opts: StopOptions, ctx: ActionContext): Promise<SavepointResult> {
    const t = await this.o.yarn.stop(this.ref(job), { drain: opts.drain }, ctx.signal)
    const path = await this.waitSavepoint(job, t.triggerId, ctx)
    await this.o.memory?.remember(job.cluster, job.jobName, { path, kind: 'savepoint', completedAt: this.o.clock.now(), jobId: job.jobId })
    return { savepointPath: path, finalState: await this.waitTerminal(job, ctx) }
  }

  async savepoint(job: JobRef, ctx: ActionContext): Promise<SavepointResult> {
    const t = await this.o.yarn.triggerSavepoint(this.ref(job), {}, ctx.signal)
    const path = await this.waitSavepoint(job, t.triggerId, ctx)
    await this.o.memory?.remember(job.cluster, job.jobName, { path, kind: 'savepoint', completedAt: this.o.clock.now(), jobId: job.jobId })
    return { savepointPath: path }
  }

  async restart(job: JobRef, opts: RestartOptions, ctx: ActionContext): Promise<RestartResult> {
    const policy = opts.policy
    if (!policy?.command) throw new BadRequestError(`no autoRestart.jobs entry with a command matches job "${job.jobName}": resubmitting on YARN needs a command template (flink run-application ... -s {savepoint})`)
    let previous: RestartResult['previous'] = 'terminal'
    let restore: RestorePoint | null = opts.restorePoint ?? null
    const details: Record<string, unknown> = {}
    // Re-read now, whatever flinkwatch saw last; an unreadable state throws (only the RM can say "ended").
    const state = await this.state(job, ctx)
    if (state !== null && !isTerminal(toJobState(state))) {
      try {
        const s = await this.stop(job, { drain: false }, ctx)
        restore = { path: s.savepointPath, kind: 'savepoint', completedAt: this.o.clock.now(), jobId: job.jobId }
        previous = 'stopped'
      } catch (err) {
        details['stopFailed'] = errorMessage(err)
        const applicationId = job.platform?.applicationId
        if (!applicationId) throw new ConflictError(`stopping job ${job.jobId} failed (${errorMessage(err)}) and it has no YARN application id to kill: not resubmitting a second copy`)
        restore = requireRestorePoint(restore ?? (await this.latestRestorePoint(job, ctx)), opts.allowFreshStart, job)
        ctx.progress(`stop failed, killing application ${applicationId}`)
        await this.o.yarn.kill(applicationId, ctx.signal)
        previous = 'canceled'
      }
    }
    restore = requireRestorePoint(restore ?? (await this.latestRestorePoint(job, ctx)), opts.allowFreshStart, job)
    ctx.progress(`running the resubmit command${restore ? ` with ${restore.kind} ${restore.path}` : ' without state'}`)
    const run = this.o.run ?? runCommand
    const r: CommandResult = await run(
      { template: policy.command, values: { savepoint: restore?.path, jobName: job.jobName, cluster: job.cluster }, timeoutMs: policy.commandTimeout },
      { clock: this.o.clock, signal: ctx.signal },
    )
    const tail = (s: string): string => s.split('\n').slice(-20).join('\n')
    if (!r.ok) throw new AppError('ERR_UPSTREAM', `resubmit command ${r.timedOut ? 'timed out' : `exited with ${r.exitCode ?? r.signal}`}: ${tail(r.stderr || r.stdout).slice(-500)}`, { retriable: true })
    // `flink run-application` prints the new application id; the job id appears on the next poll.
    const appId = /application_\d+_\d+/.exec(r.stdout + r.stderr)?.[0] ?? null
    // Operation results and audit events are readable by viewers: the command line (and the output that may
    // echo it) can carry credentials, so only its program and argument count are stored.
    const program = r.argv[0] ?? null
    const argCount = Math.max(0, r.argv.length - 1)
    return { newJobId: null, restoredFrom: restore, previous, details: { ...details, applicationId: appId, program, argCount, durationMs: r.durationMs } }
  }

  async latestRestorePoint(job: JobRef, ctx: ActionContext): Promise<RestorePoint | null> {
    // Through the RM proxy while the application lives; the remembered point once it is gone.
    const http = this.proxy(job)
    if (http) {
      try {
        return await new FlinkSessionActions({ cluster: job.cluster, http, clock: this.o.clock, ...(this.o.memory ? { memory: this.o.memory } : {}) }).latestRestorePoint(job, ctx)
      } catch {
        // the application (and its JobManager) may be gone: fall through
      }
    }
    return (await this.o.memory?.get(job.cluster, job.jobName)) ?? null
  }

  async activeInstance(job: JobRef, ctx: ActionContext): Promise<{ jobId: string; state: string } | null> {
    const http = this.proxy(job)
    let unreadable = 'no JobManager address known'
    if (http) {
      try {
        return await new FlinkSessionActions({ cluster: job.cluster, http, clock: this.o.clock }).activeInstance(job, ctx)
      } catch (err) {
        unreadable = errorMessage(err)
      }
    }
    // Nothing runs in an application the RM reports as ended; anything else is unknown, not "not running".
    if (await this.applicationEnded(job, unreadable, ctx)) return null
    throw new UpstreamError('Flink JobManager (via RM proxy)', http?.baseUrl ?? '', `cannot tell whether job "${job.jobName}" runs (${unreadable}) and its application is not terminal: not treating it as stopped`, { retriable: true })
  }

  private ref(job: JobRef): YarnJobRef {
    const applicationId = job.platform?.applicationId
    if (!applicationId) throw new BadRequestError(`job ${job.jobId} has no YARN application id (not seen by the YARN collector yet?)`)
    return { applicationId, jobId: job.jobId }
  }

  private proxy(job: JobRef): FlinkHttp | null {
    const base = job.platform?.jobManagerUrl
    return base ? new FlinkHttp({ baseUrl: base, clock: this.o.clock, timeoutMs: this.o.timeoutMs, upstream: 'Flink JobManager (via RM proxy)' }) : null
  }

  /**
   * The job's state now; null only when the RM reports its application terminal (an application-mode
   * JobManager goes away with its job). A state that cannot be read otherwise throws (retriable).
   */
  private async state(job: JobRef, ctx: ActionContext): Promise<string | null> {
    const http = this.proxy(job)
    let unreadable = 'no JobManager address known'
    if (http) {
      try {
        const res = await http.send('GET', `/jobs/${job.jobId}`, { signal: ctx.signal })
        if (res.status === 200) return decodeJson(http.upstream, res.url, res.text, JobStatus).state
        unreadable = `HTTP ${res.status}`
      } catch (err) {
        if (ctx.signal.aborted) throw err
        unreadable = errorMessage(err)
      }
    }
    if (await this.applicationEnded(job, unreadable, ctx)) return null
    throw new UpstreamError('Flink JobManager (via RM proxy)', http?.baseUrl ?? '', `cannot read the state of job ${job.jobId} (${unreadable}) and its application is not terminal`, { retriable: true })
  }

  /** Whether the RM reports the job's application terminal; throws when that cannot be known either. */
  private async applicationEnded(job: JobRef, unreadable: string, ctx: ActionContext): Promise<boolean> {
    const applicationId = job.platform?.applicationId
    if (!applicationId) throw new AppError('ERR_UPSTREAM', `cannot read the state of job ${job.jobId} (${unreadable}) and it has no YARN application id to ask the RM about`, { retriable: true })
    let appState: string
    try {
      appState = await this.o.yarn.applicationState(applicationId, ctx.signal)
    } catch (err) {
      throw new UpstreamError('YARN ResourceManager', '', `cannot read the state of job ${job.jobId} (${unreadable}) nor of application ${applicationId}: ${errorMessage(err)}`, { retriable: true, cause: err })
    }
    return TERMINAL_APP_STATES.has(appState)
  }

  private async waitSavepoint(job: JobRef, triggerId: string, ctx: ActionContext): Promise<string> {
    const deadline = this.o.clock.now() + (this.o.stepTimeoutMs ?? 10 * 60_000)
    for (;;) {
      const s = await this.o.yarn.savepointStatus(this.ref(job), triggerId, ctx.signal)
      if (s.status === 'COMPLETED') return s.location
      if (s.status === 'FAILED') throw new AppError('ERR_UPSTREAM', `savepoint of job ${job.jobId} failed: ${s.failure}`, { retriable: false })
      if (this.o.clock.now() >= deadline) throw new UpstreamError('Flink JobManager', '', `savepoint ${triggerId} of job ${job.jobId} not complete in time`, { code: 'ERR_UPSTREAM_TIMEOUT' })
      ctx.progress(`savepoint ${triggerId} in progress`)
      await sleep(this.o.clock, this.o.pollMs ?? 1000, ctx.signal)
    }
  }

  private async waitTerminal(job: JobRef, ctx: ActionContext): Promise<string | null> {
    const deadline = this.o.clock.now() + (this.o.stepTimeoutMs ?? 10 * 60_000)
    for (;;) {
      let s: string | null
      try {
        // null: the RM reports the application ended (an application-mode cluster goes away with its job).
        s = await this.state(job, ctx)
      } catch (err) {
        // Unknown for now (the JobManager shutting down while the RM still says RUNNING): look again until the deadline.
        if (ctx.signal.aborted || this.o.clock.now() >= deadline) throw err
        await sleep(this.o.clock, this.o.pollMs ?? 1000, ctx.signal)
        continue
      }
      if (s === null || isTerminal(toJobState(s))) return s
      if (this.o.clock.now() >= deadline) return s
      await sleep(this.o.clock, this.o.pollMs ?? 1000, ctx.signal)
    }
  }
}
