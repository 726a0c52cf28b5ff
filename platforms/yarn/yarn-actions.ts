/**
 * Lifecycle transport for Flink on YARN (flink-apis.md §1.9, §3.2, §3.3, §6):
 * - kill: `PUT /ws/v1/cluster/apps/{appId}/state {"state":"KILLED"}` at the RM, repeated until 200 KILLED;
 * - cancel: `GET /jobs/{jobId}/yarn-cancel` through the RM proxy (only GET/PUT pass the proxy; this is
 *   Flink's GET-compatible cancel, still registered in 1.17–1.20);
 * - savepoint / stop-with-savepoint: POST directly at the JobManager (amRPCAddress, re-resolved from the RM
 *   before each call because a failover moves it); their status is a GET, read through the proxy.
 * The lifecycle module builds operations, retries and audit on top of these calls.
 */
import { sleep, type Clock } from '../../src/core/clock.js'
import { AppError, ConflictError, NotFoundError, UpstreamError } from '../../src/core/errors.js'
import { decodeJson, sendRequest, statusError, type FetchLike, type HttpJsonOptions } from '../../src/core/http/json.js'
import { newTriggerId } from '../flink/index.js'
import { createYarnApi, type YarnApi } from './yarn-api.js'
import { Type } from '@sinclair/typebox'

export interface YarnJobRef {
  applicationId: string
  jobId: string
}

export interface SavepointTrigger {
  /** The trigger id to poll with savepointStatus (our own, so a retried trigger is idempotent). */
  triggerId: string
}

export type SavepointStatus = { status: 'IN_PROGRESS' } | { status: 'COMPLETED'; location: string } | { status: 'FAILED'; failure: string }

export interface YarnActions {
  /** The application's YARN state as the RM reports it now (NEW … RUNNING, FINISHED, FAILED, KILLED). */
  applicationState(applicationId: string, signal?: AbortSignal): Promise<string>
  /** Kills the YARN application (all its jobs); resolves with the final state. */
  kill(applicationId: string, signal?: AbortSignal): Promise<{ state: string }>
  /** Cancels one job through the RM proxy. */
  cancel(job: YarnJobRef, signal?: AbortSignal): Promise<void>
  triggerSavepoint(job: YarnJobRef, opts?: { targetDirectory?: string; cancelJob?: boolean; triggerId?: string }, signal?: AbortSignal): Promise<SavepointTrigger>
  stop(job: YarnJobRef, opts: { drain: boolean; targetDirectory?: string; triggerId?: string }, signal?: AbortSignal): Promise<SavepointTrigger>
  savepointStatus(job: YarnJobRef, triggerId: string, signal?: AbortSignal): Promise<SavepointStatus>
}

export interface YarnActionsOptions {
  /** RM web address (the cluster's `url`). */
  url: string
  user?: string
  timeoutMs: number
  clock: Clock
  fetch?: FetchLike
  /** Pause between kill PUTs while the RM answers 202. */
  killPollMs?: number
  killAttempts?: number
}

const TriggerResponse = Type.Object({ 'request-id': Type.String() })
const StatusResponse = Type.Object({
  status: Type.Object({ id: Type.String() }),
  operation: Type.Optional(Type.Object({ location: Type.Optional(Type.String()), 'failure-cause': Type.Optional(Type.Object({ class: Type.Optional(Type.String()), 'stack-trace': Type.Optional(Type.String()) })) })),
})

export function createYarnActions(o: YarnActionsOptions): YarnActions {
  const rm: YarnApi = createYarnApi({ url: o.url, user: o.user, timeoutMs: o.timeoutMs, clock: o.clock, fetch: o.fetch })
  const jm: HttpJsonOptions = { upstream: 'Flink JobManager', clock: o.clock, timeoutMs: o.timeoutMs, fetch: o.fetch }
  const jobPath = (job: YarnJobRef): string => {
    if (!/^[0-9a-f]{32}$/i.test(job.jobId)) throw new AppError('ERR_BAD_REQUEST', `not a Flink job id: ${JSON.stringify(job.jobId)}`, { retriable: false })
    return `jobs/${job.jobId}`
  }

  /** The JobManager's own REST address, asked from the RM each time (a failover moves it). */
  async function directBase(appId: string, signal?: AbortSignal): Promise<string> {
    const app = await rm.getApp(appId, signal)
    if (app.state !== 'RUNNING') throw new ConflictError(`application ${appId} is ${app.state}, not RUNNING: its JobManager cannot take requests`)
    if (!app.amRPCAddress) throw new AppError('ERR_UPSTREAM', `application ${appId} reports no amRPCAddress (Hadoop 2.x?): savepoints need the JobManager address, which the RM does not give`, { retriable: false })
    return `http://${app.amRPCAddress}/`
  }

  async function post(job: YarnJobRef, suffix: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<SavepointTrigger> {
    const url = (await directBase(job.applicationId, signal)) + `${jobPath(job)}/${suffix}`
    const res = await sendRequest(jm, url, { method: 'POST', body, signal })
    if (res.status === 404) throw new NotFoundError(`job ${job.jobId} is not known to the JobManager of ${job.applicationId}`)
    if (res.status !== 202 && res.status !== 200) throw statusError('Flink JobManager', url, res)
    return { triggerId: decodeJson('Flink JobManager', url, res.text, TriggerResponse)['request-id'] }
  }

  return {
    applicationState(applicationId, signal) {
      return rm.getAppState(applicationId, signal)
    },
    async kill(applicationId, signal) {
      const attempts = o.killAttempts ?? 30
      for (let i = 0; i < attempts; i++) {
        const r = await rm.putKilled(applicationId, signal)
        if (r.status === 200) return { state: r.state }
        await sleep(o.clock, o.killPollMs ?? 1000, signal)
      }
      throw new UpstreamError('YARN ResourceManager', rm.baseUrl, `application ${applicationId} was not KILLED after ${attempts} requests`, { retriable: true })
    },
    async cancel(job, signal) {
      const url = rm.proxyUrl(job.applicationId) + `${jobPath(job)}/yarn-cancel`
      const res = await sendRequest(jm, url, { signal })
      if (res.status === 202 || res.status === 200) return
      if (res.status === 404) throw new NotFoundError(`job ${job.jobId} is not known to the JobManager of ${job.applicationId}`)
      if (res.status === 409) throw new ConflictError(`job ${job.jobId} is already terminal`)
      throw statusError('Flink JobManager (via RM proxy)', url, res)
    },
    triggerSavepoint(job, opts = {}, signal) {
      return post(job, 'savepoints', { ...(opts.targetDirectory ? { 'target-directory': opts.targetDirectory } : {}), 'cancel-job': opts.cancelJob ?? false, triggerId: opts.triggerId ?? newTriggerId() }, signal)
    },
    stop(job, opts, signal) {
      return post(job, 'stop', { ...(opts.targetDirectory ? { targetDirectory: opts.targetDirectory } : {}), drain: opts.drain, triggerId: opts.triggerId ?? newTriggerId() }, signal)
    },
    async savepointStatus(job, triggerId, signal) {
      const url = rm.proxyUrl(job.applicationId) + `${jobPath(job)}/savepoints/${encodeURIComponent(triggerId)}`
      const res = await sendRequest(jm, url, { signal })
      if (res.status === 404) throw new NotFoundError(`no savepoint operation ${triggerId} for job ${job.jobId} (expired, or lost in a JobManager failover)`)
      if (res.status !== 200) throw statusError('Flink JobManager (via RM proxy)', url, res)
      const s = decodeJson('Flink JobManager', url, res.text, StatusResponse)
      if (s.status.id !== 'COMPLETED') return { status: 'IN_PROGRESS' }
      const failure = s.operation?.['failure-cause']
      if (failure) return { status: 'FAILED', failure: `${failure.class ?? 'error'}: ${(failure['stack-trace'] ?? '').split('\n')[0]}` }
      return { status: 'COMPLETED', location: s.operation?.location ?? '' }
    },
  }
}
