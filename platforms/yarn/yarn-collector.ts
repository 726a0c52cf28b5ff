/**
 * One YARN ResourceManager = one flinkwatch cluster; its jobs are the jobs of every Flink application
 * (per-job/application-mode clusters and sessions alike), each tagged with its application id.
 *
 * Per poll: one RM list of active Flink applications, then one Flink poll per RUNNING application through
 * the RM proxy (default) or at the JobManager's own address (amRPCAddress). Applications that left the
 * active list are looked up once to learn their final state. A JobManager failover (new AM attempt:
 * RUNNING → ACCEPTED → RUNNING at a new host:port) keeps the jobs RECONCILING during the gap and raises
 * one `jobmanager-failover` incident when the new JobManager is found.
 */
import type { Registry } from 'prom-client'
import type { Clock } from '../../src/core/clock.js'
import { AppError, DecodeError, UpstreamError, errorMessage } from '../../src/core/errors.js'
import { onChange, type Logger } from '../../src/core/logger.js'
import type { YarnClusterConfig } from '../../src/config/sections/clusters.js'
import type { ClusterIncident, ClusterSnapshot, CollectorWarning } from '../../src/model/cluster.js'
import { isTerminal, type JobSnapshot } from '../../src/model/job.js'
import type { Collector } from '../../collectors/collector.js'
import { reasonOf } from '../../src/core/http/status.js'
import { defaultJobManagerReader, type JobManagerRead, type JobManagerView } from '../flink/index.js'
import type { FetchLike } from '../../src/core/http/json.js'
import { createYarnApi, type YarnApi } from './yarn-api.js'
import { appPhase, attemptFromContainerLogs, terminalJobState } from './yarn-state.js'
import { YARN_ACTIVE_STATES, type YarnAppDto } from './yarn-types.js'
import { platformErrorCounter } from '../platform-metrics.js'

export interface YarnCollectorDeps {
  clock: Clock
  logger: Logger
  /** The shared JobManager reader (platforms/flink); built from the config when absent. */
  readFlink?: JobManagerRead
  registry?: Registry
  fetch?: FetchLike
}

/** Jobs of a finished application stay visible this long (as Flink keeps finished jobs for jobstore.expiration-time). */
const FINISHED_RETENTION_MS = 3_600_000

interface AppTrack {
  id: string
  name: string
  /** JobManager identity while RUNNING: amRPCAddress, else the NodeManager address. */
  jmAddress: string | null
  attempt: number | null
  wasRunning: boolean
  /** Set when the JobManager went away (ACCEPTED gap or read failures after an address change). */
  lostFrom: string | null
  jobs: Map<string, JobSnapshot>
  finishedAt: number | null
  /** Consecutive failed JobManager reads while RUNNING. */
  failures: number
  last: JobManagerView | null
}

export function createYarnCollector(config: YarnClusterConfig, deps: YarnCollectorDeps): Collector {
  const timeoutMs = config.requestTimeout
  const api: YarnApi = createYarnApi({
    url: config.url,
    user: config.user,
    queue: config.queue,
    timeoutMs,
    clock: deps.clock,
    fetch: deps.fetch,
    applicationType: config.applicationType,
  })
  const log = deps.logger.child({ component: 'collector', collector: config.id, type: 'yarn' })
  const logOnce = onChange()
  const payloadErrors = platformErrorCounter(deps.registry)
  const apps = new Map<string, AppTrack>()
  const readFlink = deps.readFlink ?? defaultJobManagerReader(config, deps.clock)

  const warn = (warnings: CollectorWarning[], err: unknown, key: string, context: string): void => {
    const message = `${context}: ${errorMessage(err)}`
    const reason = reasonOf(err)
    warnings.push({ reason, message })
    if (reason === 'decode') payloadErrors?.inc({ platform: 'yarn', resource: key.split(':')[0] ?? key })
    logOnce(key, message, () => log.warn({ err }, message))
  }

  const jobManagerUrl = (app: YarnAppDto): string => {
    if (config.jobManagerAccess === 'proxy') return api.proxyUrl(app.id)
    if (!app.amRPCAddress) {
      throw new AppError('ERR_CONFIG', `application ${app.id} reports no amRPCAddress (Hadoop 2.x?), so its JobManager cannot be reached directly; use jobManagerAccess: proxy`, { retriable: false })
    }
    return `http://${app.amRPCAddress}/`
  }

  const tag = (job: JobSnapshot, app: YarnAppDto, track: AppTrack, url: string | null): JobSnapshot => ({
    ...job,
    cluster: config.id,
    platform: {
      applicationId: app.id,
      attempt: track.attempt,
      jobManagerUrl: url,
      jobManagerAddress: track.jmAddress,
      platformState: `${app.state}/${app.finalStatus ?? 'UNDEFINED'}`,
      platformError: app.diagnostics ? app.diagnostics.split('\n')[0]!.slice(0, 300) : null,
    },
  })

  async function pollRunning(
    app: YarnAppDto,
    track: AppTrack,
    now: number,
    incidents: ClusterIncident[],
    warnings: CollectorWarning[],
    signal: AbortSignal,
  ): Promise<{ url: string | null; requests: number }> {
    const address = app.amRPCAddress ?? app.amHostHttpAddress ?? null
    const attempt = attemptFromContainerLogs(app.amContainerLogs)
    const moved = track.wasRunning && track.jmAddress !== null && ((address !== null && address !== track.jmAddress) || (attempt !== null && track.attempt !== null && attempt > track.attempt))
    if (moved || (track.lostFrom !== null && address !== null)) {
      const from = track.lostFrom ?? track.jmAddress
      incidents.push({
        kind: 'jobmanager-failover',
        cluster: config.id,
        subject: address ?? app.id,
        message: `JobManager of YARN application ${app.id} (${app.name ?? 'unnamed'}) moved from ${from ?? 'an unknown address'} to ${address ?? 'an unknown address'}${attempt !== null ? ` (attempt ${attempt})` : ''}`,
        at: now,
        ...(track.jobs.size === 1 ? { jobName: [...track.jobs.values()][0]!.name } : {}),
      })
      log.info({ app: app.id, from, to: address, attempt }, 'followed a JobManager failover')
      track.lostFrom = null
    }
    track.jmAddress = address
    track.attempt = attempt ?? track.attempt
    track.wasRunning = true
    let url: string | null = null
    try {
      url = jobManagerUrl(app)
      const view = await readFlink({ baseUrl: url, clusterId: config.id, upstream: `JobManager of ${app.id}` }, signal)
      track.failures = 0
      track.last = view
      track.jobs = new Map(view.jobs.map((j) => [j.jobId, tag(j, app, track, url)]))
      for (const w of view.warnings ?? []) warnings.push({ ...w, message: `${app.id}: ${w.message}` })
      return { url, requests: view.requests ?? 0 }
    } catch (err) {
      if (signal.aborted) throw err
      track.failures++
      warn(warnings, err, `jobmanager:${app.id}`, `JobManager of ${app.id} could not be read`)
      // A JobManager that has just moved answers 503 / INITIALIZING for a while; after downAfter failed
      // reads in a row its jobs are no longer known to be in their last state.
      for (const [id, job] of track.jobs) {
        if (!isTerminal(job.state)) track.jobs.set(id, { ...tag(job, app, track, url), state: track.failures >= config.downAfter ? 'UNKNOWN' : job.state })
      }
      return { url, requests: 0 }
    }
  }

  return {
    clusterId: config.id,
    type: 'yarn',
    async collect(signal) {
      const now = deps.clock.now()
      const incidents: ClusterIncident[] = []
      const warnings: CollectorWarning[] = []
      let requests = 1
      // The cluster-level probe: when the RM cannot list applications the whole cluster is unreadable.
      const listed = await api.listApps(YARN_ACTIVE_STATES, signal)
      for (const r of listed.rejected) warn(warnings, new DecodeError(r), `apps:${r}`, 'YARN application skipped')

      const active = new Map(listed.apps.map((a) => [a.id, a]))
      // Applications that left the active list: one look each to learn how they ended.
      const ended: YarnAppDto[] = []
      for (const track of apps.values()) {
        if (active.has(track.id) || track.finishedAt !== null) continue
        requests++
        try {
          ended.push(await api.getApp(track.id, signal))
        } catch (err) {
          if (signal.aborted) throw err
          warn(warnings, err, `app:${track.id}`, `final state of ${track.id} unknown`)
          if (err instanceof UpstreamError && err.status === 404) {
            // The RM forgot it (restart without recovery): nothing will tell its jobs' fate any more.
            track.finishedAt = now
            for (const [id, job] of track.jobs) if (!isTerminal(job.state)) track.jobs.set(id, { ...job, state: 'UNKNOWN' })
          }
        }
      }

      let singleUrl: string | null = null
      let runningApps = 0
      const views: JobManagerView[] = []
      for (const app of [...active.values(), ...ended]) {
        let track = apps.get(app.id)
        if (!track) {
          track = { id: app.id, name: app.name ?? app.id, jmAddress: null, attempt: null, wasRunning: false, lostFrom: null, jobs: new Map(), finishedAt: null, failures: 0, last: null }
          apps.set(app.id, track)
        }
        switch (appPhase(app.state)) {
          case 'running': {
            runningApps++
            const r = await pollRunning(app, track, now, incidents, warnings, signal)
            requests += r.requests
            singleUrl = r.url
            if (track.last && track.failures === 0) views.push(track.last)
            break
          }
          case 'pending':
            if (track.wasRunning) {
              // Failover gap: the old JobManager is gone, the new attempt has not registered yet.
              if (track.lostFrom === null) track.lostFrom = track.jmAddress ?? 'unknown'
              for (const [id, job] of track.jobs) if (!isTerminal(job.state)) track.jobs.set(id, { ...tag(job, app, track, null), state: 'RECONCILING' })
            }
            break
          case 'terminal':
            track.finishedAt ??= app.finishedTime && app.finishedTime > 0 ? app.finishedTime : now
            for (const [id, job] of track.jobs) {
              const state = isTerminal(job.state) ? job.state : terminalJobState(app.state, app.finalStatus)
              track.jobs.set(id, { ...tag(job, app, track, null), state, endTime: job.endTime ?? track.finishedAt })
            }
            break
          case 'unknown':
            warn(warnings, new AppError('ERR_DECODE', `unknown YARN state ${JSON.stringify(app.state)}`, { retriable: false }), `state:${app.id}`, `application ${app.id}`)
        }
      }
      // Forget finished applications after the retention, and applications the RM no longer knows.
      for (const [id, track] of apps) {
        if (track.finishedAt !== null && now - track.finishedAt > FINISHED_RETENTION_MS) {
          apps.delete(id)
        }
      }

      const jobs = [...apps.values()].flatMap((t) => [...t.jobs.values()])
      const versions = new Set(views.map((v) => v.version).filter((v): v is string => v !== null))
      return {
        cluster: {
          id: config.id,
          type: 'yarn',
          version: versions.size === 1 ? [...versions][0]! : null,
          taskManagers: views.reduce((n, v) => n + v.taskManagers, 0),
          slots: { total: views.reduce((n, v) => n + v.slots.total, 0), available: views.reduce((n, v) => n + v.slots.available, 0) },
          jobs: { total: jobs.length, running: jobs.filter((j) => j.state === 'RUNNING').length },
          jobManagerUrl: runningApps === 1 ? singleUrl : null,
          webUiUrl: config.webUiUrl ?? api.baseUrl,
        },
        jobs,
        incidents,
        warnings,
        requests,
        at: now,
      }
    },
  }
}
