/**
 * Lifecycle actions on a Flink session cluster through its REST API (flink-apis.md §1.9 and §6):
 * cancel (`PATCH /jobs/:id?mode=cancel`), stop with savepoint (`POST /jobs/:id/stop`), savepoint
 * (`POST /jobs/:id/savepoints`), both polled at `GET /jobs/:id/savepoints/:triggerId` with our own trigger
 * id, and restart = stop (or cancel) if running, then `POST /jars/:jarId/run` with `savepointPath` = the
 * newest restore point re-read right now, `allowNonRestoredState` and the version's claim/restore mode.
 * This file is the lifecycle feature's Flink REST edge: Flink DTOs are decoded and mapped to model types here
 * and go no further.
 */
import { basename } from 'node:path'
import { readFile } from 'node:fs/promises'
import { Type } from '@sinclair/typebox'
import { sleep, type Clock } from '../../src/core/clock.js'
import { AppError, BadRequestError, ConflictError, NotFoundError, UpstreamError, errorMessage } from '../../src/core/errors.js'
import { isTerminal, toJobState } from '../../src/model/job.js'
import type { CheckpointStats } from '../../src/model/job.js'
import type { RestorePoint } from '../../src/model/operation.js'
import { decodeCheckpoints } from './flink-decode.js'
import { Checkpoints, JobsOverview } from './flink-schemas.js'
import { decodeJson, statusError } from '../../src/core/http/json.js'
import type { ActionContext, CancelResult, JobRef, LifecycleActions, RestartOptions, RestartResult, SavepointResult, StopOptions } from '../../src/lifecycle/actions.js'
import { newTriggerId, type FlinkHttp } from './flink-http.js'
import { chooseRestorePoint, noRestorePoint, requireRestorePoint, restoreModeField, restorePointsOf } from '../../src/lifecycle/restore-point.js'
import type { RestorePointMemory } from '../../src/lifecycle/restore-point-memory.js'
import type { RestartJobPolicy } from '../../src/config/sections/auto-restart.js'

const JobStatus = Type.Object({ state: Type.String() })
const Trigger = Type.Object({ 'request-id': Type.String() })
const SavepointStatus = Type.Object({
  status: Type.Object({ id: Type.String() }),
  // Flink answers `"operation": null` while the savepoint is in progress.
  operation: Type.Optional(
    Type.Union([
      Type.Object({
        location: Type.Optional(Type.String()),
        'failure-cause': Type.Optional(Type.Object({ class: Type.Optional(Type.String()), 'stack-trace': Type.Optional(Type.String()) })),
      }),
      Type.Null(),
    ]),
  ),
})
const Jars = Type.Object({ files: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), uploaded: Type.Optional(Type.Number()) })) })
const Upload = Type.Object({ filename: Type.String() })
const RunResponse = Type.Object({ jobid: Type.String() })
const Config = Type.Object({ 'flink-version': Type.Optional(Type.String()) })

export interface FlinkSessionActionsOptions {
  cluster: string
  http: FlinkHttp
  clock: Clock
  memory?: RestorePointMemory
  /** Pause between status polls of async operations. */
  pollMs?: number
  /** Deadline for one savepoint, one job to stop, one resubmitted job to reach RUNNING. */
  stepTimeoutMs?: number
  /** How many instances of one job name are read for checkpoints (newest first). */
  maxInstances?: number
}

/**
 * `GET /jobs/:id/checkpoints` → the instance's restore points, through the collectors' DTO → model decoder.
 * A `latest` entry whose status is not COMPLETED is no restore point.
 */
export function flinkRestorePoints(jobId: string, dto: Checkpoints): RestorePoint[] {
  const done = <T extends { status?: string | undefined }>(c: T | null | undefined): T | null => (c && (c.status === undefined || c.status === 'COMPLETED') ? c : null)
  const stats: CheckpointStats = decodeCheckpoints({ counts: dto.counts, latest: { completed: done(dto.latest?.completed), savepoint: done(dto.latest?.savepoint) } }, null)
  return restorePointsOf(jobId, stats)
}

export class FlinkSessionActions implements LifecycleActions {
  readonly clusterType = 'flink' as const
  private flinkVersion: string | null = null
  private readonly pollMs: number
  private readonly stepTimeoutMs: number

  constructor(private readonly o: FlinkSessionActionsOptions) {
    this.pollMs = o.pollMs ?? 1000
    this.stepTimeoutMs = o.stepTimeoutMs ?? 10 * 60_000
  }

  async cancel(job: JobRef, ctx: ActionContext): Promise<CancelResult> {
    const res = await this.o.http.send('PATCH', `/jobs/${jobPath(job.jobId)}?mode=cancel`, { signal: ctx.signal })
    if (res.status === 404) throw new NotFoundError(`job ${job.jobId} is not known to cluster ${job.cluster}`)
    if (res.status === 409) return { finalState: await this.state(job.jobId, ctx) }
    if (res.status !== 202 && res.status !== 200) throw statusError(this.o.http.upstream, res.url, res)
    ctx.progress('cancel requested, waiting for the job to end')
    return { finalState: await this.waitTerminal(job.jobId, ctx) }
  }

  async stop(job: JobRef, opts: StopOptions, ctx: ActionContext): Promise<SavepointResult> {
    const path = await this.triggerAndWait(job, 'stop', { drain: opts.drain, triggerId: newTriggerId() }, ctx)
    ctx.progress(`savepoint ${path} written, waiting for the job to finish`)
    const finalState = await this.waitTerminal(job.jobId, ctx)
    await this.remember(job, { path, kind: 'savepoint', completedAt: this.o.clock.now(), jobId: job.jobId })
    return { savepointPath: path, finalState }
  }

  async savepoint(job: JobRef, ctx: ActionContext): Promise<SavepointResult> {
    const path = await this.triggerAndWait(job, 'savepoints', { 'cancel-job': false, triggerId: newTriggerId() }, ctx)
    await this.remember(job, { path, kind: 'savepoint', completedAt: this.o.clock.now(), jobId: job.jobId })
    return { savepointPath: path }
  }

  async restart(job: JobRef, opts: RestartOptions, ctx: ActionContext): Promise<RestartResult> {
    const policy = opts.policy
    if (!policy || (!policy.jarId && !policy.jarPath)) {
      throw new BadRequestError(`no autoRestart.jobs entry with a jarId or jarPath matches job name "${job.jobName}": flinkwatch does not know how to resubmit it`)
    }
    const state = await this.state(job.jobId, ctx)
    const other = await this.activeInstance(job, ctx)
    if (other && other.jobId !== job.jobId) throw new ConflictError(`job "${job.jobName}" already runs on cluster ${job.cluster} as ${other.jobId} (${other.state}); not starting a second copy`)

    let previous: RestartResult['previous'] = 'terminal'
    let restore: RestorePoint | null = opts.restorePoint ?? null
    const details: Record<string, unknown> = {}
    if (state !== null && !isTerminal(toJobState(state))) {
      if (state === 'RUNNING') {
        try {
          ctx.progress('stopping the running job with a savepoint')
          const s = await this.stop(job, { drain: false }, ctx)
          restore = { path: s.savepointPath, kind: 'savepoint', completedAt: this.o.clock.now(), jobId: job.jobId }
          previous = 'stopped'
        } catch (err) {
          details['stopFailed'] = errorMessage(err)
        }
      }
      if (previous !== 'stopped') {
        // Check there is something to resume from before taking the job down.
        restore = requireRestorePoint(restore ?? (await this.latestRestorePoint(job, ctx)), opts.allowFreshStart, job)
        ctx.progress('canceling the job')
        await this.cancel(job, ctx)
        previous = 'canceled'
        // Canceling may have completed one more checkpoint; re-read.
        if (!opts.restorePoint) restore = (await this.latestRestorePoint(job, ctx)) ?? restore
      }
    } else if (!restore) {
      ctx.progress('reading the latest checkpoints and savepoints')
      restore = await this.latestRestorePoint(job, ctx)
    }
    requireRestorePoint(restore, opts.allowFreshStart, job)

    const jarId = await this.resolveJar(policy, ctx)
    const version = await this.version(ctx)
    const body = {
      programArgsList: policy.args,
      allowNonRestoredState: policy.allowNonRestoredState,
      ...(policy.entryClass ? { entryClass: policy.entryClass } : {}),
      ...(policy.parallelism ? { parallelism: policy.parallelism } : {}),
      ...(restore ? { savepointPath: restore.path, ...restoreModeField(version) } : {}),
    }
    ctx.progress(restore ? `resubmitting from ${restore.kind} ${restore.path}` : 'resubmitting without state (allowFreshStart)')
    const run = await this.o.http.json('POST', `/jars/${encodeURIComponent(jarId)}/run`, RunResponse, { json: body, signal: ctx.signal, timeoutMs: this.o.http.uploadTimeoutMs })
    ctx.progress(`submitted as ${run.jobid}, waiting for RUNNING`)
    const reached = await this.waitState(run.jobid, ['RUNNING'], ctx)
    if (reached !== 'RUNNING') throw new AppError('ERR_UPSTREAM', `resubmitted job ${run.jobid} reached ${reached} instead of RUNNING`, { retriable: true })
    // Operation results and audit events are readable by viewers: the program arguments (credentials, endpoints)
    // are not stored, only their count.
    const request = {
      jarId,
      ...(policy.entryClass ? { entryClass: policy.entryClass } : {}),
      ...(policy.parallelism ? { parallelism: policy.parallelism } : {}),
      savepointPath: restore?.path ?? null,
      allowNonRestoredState: policy.allowNonRestoredState,
      argCount: policy.args.length,
    }
    return { newJobId: run.jobid, restoredFrom: restore, previous, details: { ...details, jarId, flinkVersion: version, request } }
  }

  async latestRestorePoint(job: JobRef, ctx: ActionContext): Promise<RestorePoint | null> {
    const observed: RestorePoint[] = []
    const overview = await this.o.http.get('/jobs/overview', JobsOverview, ctx.signal)
    const instances = overview.jobs
      .filter((j) => j.name === job.jobName || j.jid === job.jobId)
      .sort((a, b) => b['start-time'] - a['start-time'])
      .slice(0, this.o.maxInstances ?? 10)
    for (const inst of instances) {
      const res = await this.o.http.send('GET', `/jobs/${jobPath(inst.jid)}/checkpoints`, { signal: ctx.signal })
      if (res.status === 404) continue // checkpointing not enabled, or the job is gone
      if (res.status !== 200) throw statusError(this.o.http.upstream, res.url, res)
      observed.push(...flinkRestorePoints(inst.jid, decodeJson(this.o.http.upstream, res.url, res.text, Checkpoints)))
    }
    const remembered = (await this.o.memory?.get(job.cluster, job.jobName)) ?? null
    // No check of `file:` paths on this host: flinkwatch rarely shares Flink's filesystem (docker-compose, any
    // real deployment). Flink validates the path; a missing one fails the submission with Flink's error, which
    // the operation reports.
    const best = chooseRestorePoint({ observed, remembered })
    if (best) await this.remember(job, best)
    return best
  }

  async activeInstance(job: JobRef, ctx: ActionContext): Promise<{ jobId: string; state: string } | null> {
    const overview = await this.o.http.get('/jobs/overview', JobsOverview, ctx.signal)
    const live = overview.jobs.filter((j) => j.name === job.jobName && !isTerminal(toJobState(j.state))).sort((a, b) => b['start-time'] - a['start-time'])[0]
    return live ? { jobId: live.jid, state: live.state } : null
  }

  // ---- internals --------------------------------------------------------------------------------

  /** The job's state now; null when the cluster no longer knows the job. */
  private async state(jobId: string, ctx: ActionContext): Promise<string | null> {
    const res = await this.o.http.send('GET', `/jobs/${jobPath(jobId)}`, { signal: ctx.signal })
    if (res.status === 404) return null
    if (res.status !== 200) throw statusError(this.o.http.upstream, res.url, res)
    return decodeJson(this.o.http.upstream, res.url, res.text, JobStatus).state
  }

  private async triggerAndWait(job: JobRef, kind: 'stop' | 'savepoints', body: Record<string, unknown>, ctx: ActionContext): Promise<string> {
    const path = `/jobs/${jobPath(job.jobId)}/${kind}`
    const res = await this.o.http.send('POST', path, { json: body, signal: ctx.signal })
    if (res.status === 404) throw new NotFoundError(`job ${job.jobId} is not known to cluster ${job.cluster}`)
    if (res.status !== 202 && res.status !== 200) throw statusError(this.o.http.upstream, res.url, res)
    const triggerId = decodeJson(this.o.http.upstream, res.url, res.text, Trigger)['request-id']
    ctx.progress(`${kind === 'stop' ? 'stop-with-savepoint' : 'savepoint'} ${triggerId} in progress`)
    const deadline = this.o.clock.now() + this.stepTimeoutMs
    for (;;) {
      const s = await this.o.http.get(`/jobs/${jobPath(job.jobId)}/savepoints/${triggerId}`, SavepointStatus, ctx.signal)
      if (s.status.id === 'COMPLETED') {
        const failure = s.operation?.['failure-cause']
        if (failure) throw new AppError('ERR_UPSTREAM', `savepoint of job ${job.jobId} failed: ${failure.class ?? 'error'}: ${(failure['stack-trace'] ?? '').split('\n')[0] ?? ''}`, { retriable: false })
        const location = s.operation?.location
        if (!location) throw new AppError('ERR_UPSTREAM', `savepoint of job ${job.jobId} completed without a location`, { retriable: false })
        return location
      }
      if (this.o.clock.now() >= deadline) throw new UpstreamError(this.o.http.upstream, this.o.http.baseUrl + path, `savepoint ${triggerId} of job ${job.jobId} not complete after ${this.stepTimeoutMs} ms`, { code: 'ERR_UPSTREAM_TIMEOUT' })
      await sleep(this.o.clock, this.pollMs, ctx.signal)
    }
  }

  private async waitTerminal(jobId: string, ctx: ActionContext): Promise<string | null> {
    return this.waitState(jobId, ['FAILED', 'CANCELED', 'FINISHED'], ctx)
  }

  /** Polls until one of `states` (or any terminal state) is reached. */
  private async waitState(jobId: string, states: readonly string[], ctx: ActionContext): Promise<string | null> {
    const deadline = this.o.clock.now() + this.stepTimeoutMs
    for (;;) {
      const s = await this.state(jobId, ctx)
      if (s === null || states.includes(s) || isTerminal(toJobState(s))) return s
      if (this.o.clock.now() >= deadline) throw new UpstreamError(this.o.http.upstream, this.o.http.baseUrl, `job ${jobId} still ${s} after ${this.stepTimeoutMs} ms (waiting for ${states.join('|')})`, { code: 'ERR_UPSTREAM_TIMEOUT' })
      await sleep(this.o.clock, this.pollMs, ctx.signal)
    }
  }

  private async resolveJar(policy: RestartJobPolicy, ctx: ActionContext): Promise<string> {
    const jars = await this.o.http.get('/jars', Jars, ctx.signal)
    if (policy.jarId && jars.files.some((f) => f.id === policy.jarId)) return policy.jarId
    if (!policy.jarPath) throw new BadRequestError(`jar ${policy.jarId} is not uploaded to cluster ${this.o.cluster} and the policy has no jarPath to upload`)
    const name = basename(policy.jarPath)
    const existing = jars.files.filter((f) => f.name === name).sort((a, b) => (b.uploaded ?? 0) - (a.uploaded ?? 0))[0]
    if (existing) return existing.id
    ctx.progress(`uploading ${policy.jarPath}`)
    let bytes: Buffer
    try {
      bytes = await readFile(policy.jarPath)
    } catch (err) {
      throw new AppError('ERR_CONFIG', `cannot read jarPath ${policy.jarPath}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`, { retriable: false })
    }
    const form = new FormData()
    form.append('jarfile', new Blob([bytes], { type: 'application/x-java-archive' }), name)
    const r = await this.o.http.json('POST', '/jars/upload', Upload, { form, signal: ctx.signal, timeoutMs: this.o.http.uploadTimeoutMs })
    return r.filename.split('/').pop()!
  }

  private async version(ctx: ActionContext): Promise<string | null> {
    if (this.flinkVersion === null) this.flinkVersion = (await this.o.http.get('/config', Config, ctx.signal))['flink-version'] ?? null
    return this.flinkVersion
  }

  private async remember(job: JobRef, p: RestorePoint): Promise<void> {
    await this.o.memory?.remember(job.cluster, job.jobName, p)
  }
}

function jobPath(jobId: string): string {
  if (!/^[0-9a-f]{32}$/i.test(jobId)) throw new BadRequestError(`not a Flink job id: ${JSON.stringify(jobId)}`)
  return jobId
}

export { noRestorePoint }
