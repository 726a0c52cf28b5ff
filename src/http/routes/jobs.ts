import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Clock } from '../../core/clock.js'
import type { FleetView } from '../../fleet/fleet-view.js'
import { JOB_STATES, type JobSnapshot } from '../../model/job.js'
import { checkpointView, jobSummary } from '../../fleet/job-summary.js'
import { JOB_ORDERS, jobPage } from '../../fleet/job-order.js'
import type { FleetTrends } from '../../fleet/job-trends.js'
import { errorResponses, Nullable, TimeParam } from '../schemas.js'
import { parseTimeParam } from '../time-param.js'
import type { JobHistoryPoint } from '../../fleet/job-history.js'
import type { TimelineEvent } from '../../fleet/job-timeline.js'
import type { RestorePointView } from '../../lifecycle/restore-point-catalog.js'
import { sendError } from '../errors.js'

const JobStateSchema = Type.Union(JOB_STATES.map((s) => Type.Literal(s)))

const Checkpoint = Type.Object(
  {
    id: Type.Integer(),
    completedAt: Type.Integer({ description: 'Epoch ms' }),
    ageSeconds: Type.Number({ description: 'Seconds between completion and the response' }),
    durationMs: Type.Integer(),
    sizeBytes: Type.Integer(),
    externalPath: Nullable(Type.String()),
    isSavepoint: Type.Boolean(),
  },
  { $id: 'Checkpoint' },
)

const JobSummary = Type.Object(
  {
    cluster: Type.String(),
    jobId: Type.String(),
    name: Type.String(),
    state: JobStateSchema,
    startTime: Nullable(Type.Integer()),
    restarts: Type.Integer(),
    restartsLastHour: Type.Integer({ minimum: 0, description: 'Restarts flinkwatch saw in the last hour' }),
    lastCheckpoint: Nullable(Type.Ref('Checkpoint')),
    failedCheckpoints: Nullable(Type.Integer({ description: "Flink's failed-checkpoint count" })),
    lag: Nullable(Type.Number({ description: 'Kafka source lag in records' })),
    lagTrend: Nullable(Type.Number({ description: 'Lag change in records per minute over the last ~5 minutes; > 0 growing' })),
    backpressure: Nullable(Type.Number({ description: 'Max back-pressured ratio 0..1' })),
    busy: Nullable(Type.Number({ description: 'Max busy ratio 0..1' })),
    uptimeMs: Nullable(Type.Integer({ description: 'RUNNING jobs: now - startTime' })),
  },
  { $id: 'JobSummary' },
)

const Exception = Type.Object({
  timestamp: Type.Integer(),
  message: Type.String(),
  stackTrace: Nullable(Type.String()),
  taskName: Nullable(Type.String()),
  location: Nullable(Type.String()),
})

const Vertex = Type.Object({
  id: Type.String(),
  name: Type.String(),
  parallelism: Type.Integer(),
  maxParallelism: Nullable(Type.Integer()),
  status: Nullable(Type.String()),
  busy: Nullable(Type.Number()),
  backpressure: Nullable(Type.Number()),
  busySkew: Nullable(Type.Number()),
  recordsInPerSec: Nullable(Type.Number()),
  recordsOutPerSec: Nullable(Type.Number()),
  lag: Nullable(Type.Number()),
  isSource: Type.Boolean(),
})

const JobDetail = Type.Object(
  {
    cluster: Type.String(),
    jobId: Type.String(),
    name: Type.String(),
    state: JobStateSchema,
    startTime: Nullable(Type.Integer()),
    endTime: Nullable(Type.Integer()),
    restarts: Type.Integer(),
    lag: Nullable(Type.Number()),
    backpressure: Nullable(Type.Number()),
    busy: Nullable(Type.Number()),
    recordsInPerSec: Nullable(Type.Number()),
    recordsOutPerSec: Nullable(Type.Number()),
    checkpoints: Nullable(
      Type.Object({
        completed: Type.Integer(),
        failed: Type.Integer(),
        inProgress: Type.Integer(),
        intervalMs: Nullable(Type.Integer({ description: 'null when periodic checkpointing is off' })),
        lastCompleted: Nullable(Type.Ref('Checkpoint')),
        lastSavepoint: Nullable(Type.Ref('Checkpoint')),
        lastFailedAt: Nullable(Type.Integer()),
        lastFailureMessage: Nullable(Type.String()),
        observedAt: Type.Optional(Type.Integer({ description: 'When these figures were last read from the platform (epoch ms); ages are as of then' })),
      }),
    ),
    exceptions: Type.Array(Exception, { description: 'Latest root exceptions, newest first' }),
    vertices: Type.Array(Vertex),
    resources: Nullable(
      Type.Object({
        cpuLoad: Nullable(Type.Number()),
        heapUsedBytes: Nullable(Type.Number()),
        heapMaxBytes: Nullable(Type.Number()),
        managedMemoryBytes: Nullable(Type.Number()),
        gcTimeMsPerSec: Nullable(Type.Number()),
        taskManagers: Type.Integer(),
      }),
    ),
  },
  { $id: 'JobDetail' },
)

const N = Nullable(Type.Number())
const HistoryPoint = Type.Object(
  {
    at: Type.Integer({ description: 'Epoch ms' }),
    state: Type.String(),
    parallelism: Nullable(Type.Integer()),
    busy: N,
    backpressure: N,
    recordsInPerSec: N,
    recordsOutPerSec: N,
    lag: N,
    cpuLoad: N,
    heapUsedBytes: N,
    heapMaxBytes: N,
    gcTimeMsPerSec: N,
    restarts: Type.Integer(),
    checkpointDurationMs: N,
    checkpointSizeBytes: N,
  },
  { $id: 'HistorySample' },
)

const TimelineEventSchema = Type.Object(
  {
    at: Type.Integer({ description: 'Epoch ms' }),
    kind: Type.Union(['state', 'restart', 'failure', 'checkpoint', 'checkpoint-failed', 'action', 'incident'].map((k) => Type.Literal(k))),
    from: Nullable(Type.String()),
    to: Nullable(Type.String()),
    message: Type.String(),
  },
  { $id: 'TimelineEvent' },
)

const RestorePointSchema = Type.Object(
  {
    path: Type.String(),
    kind: Type.Union([Type.Literal('checkpoint'), Type.Literal('savepoint')]),
    at: Type.Integer({ description: 'Epoch ms when it completed' }),
    source: Type.String({ description: '"job <id>" (an instance the fleet lists) or "remembered"' }),
  },
  { $id: 'RestorePoint' },
)

const JobParams = Type.Object({ cluster: Type.String(), jobId: Type.String() })

/** The job page's reads; app.ts builds them over the fleet, lifecycle and alerting features. */
export interface JobPagesDeps {
  history?(q: { cluster: string; jobId: string; from: number; to: number }): Promise<JobHistoryPoint[]>
  timeline?(job: JobSnapshot, q: { from: number; to: number; limit: number }): Promise<TimelineEvent[]>
  restorePoints?(cluster: string, jobId: string): Promise<RestorePointView[] | undefined>
}

const HOUR = 3_600_000

function range(q: { from?: number | string; to?: number | string }, now: number, defaultSpan: number): { from: number; to: number } {
  const to = parseTimeParam('to', q.to) ?? now + 1
  const from = parseTimeParam('from', q.from) ?? to - defaultSpan
  return { from, to }
}

function detail(j: JobSnapshot, now: number) {
  return {
    cluster: j.cluster,
    jobId: j.jobId,
    name: j.name,
    state: j.state,
    startTime: j.startTime,
    endTime: j.endTime,
    restarts: j.restarts,
    lag: j.lag,
    backpressure: j.backpressure,
    busy: j.busy,
    recordsInPerSec: j.recordsInPerSec,
    recordsOutPerSec: j.recordsOutPerSec,
    checkpoints: j.checkpoints
      ? { ...j.checkpoints, lastCompleted: checkpointView(j.checkpoints.lastCompleted, now), lastSavepoint: checkpointView(j.checkpoints.lastSavepoint, now) }
      : null,
    exceptions: j.exceptions ?? (j.latestException ? [j.latestException] : []),
    vertices: j.vertices,
    resources: j.resources,
  }
}

/** GET /api/v1/jobs and /api/v1/jobs/:cluster/:jobId. */
export function jobRoutes(view: FleetView & Partial<FleetTrends>, clock: Clock, more: JobPagesDeps = {}): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.addSchema(Checkpoint)
    app.addSchema(JobSummary)
    app.addSchema(JobDetail)
    app.get(
      '/jobs',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Jobs of every cluster, latest known state',
          querystring: Type.Object({
            cluster: Type.Optional(Type.String({ description: 'Only this cluster' })),
            state: Type.Optional(JobStateSchema),
            q: Type.Optional(Type.String({ maxLength: 200, description: 'Case-insensitive substring of the job name or id' })),
            sort: Type.Optional(
              Type.Union(JOB_ORDERS.map((o) => Type.Literal(o)), {
                default: 'cluster',
                description:
                  'cluster: by cluster, then name and id (a job keeps its place: page in this order for a complete list); severity: failing states first (FAILED, FAILING, RESTARTING, …, RUNNING, then ended ones), then name',
              }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'At most this many jobs, the first in the order (after `cursor`); `total` counts them all' })),
            cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,2000}$', description: 'nextCursor of the previous page (of the same sort and filter)' })),
          }),
          response: {
            200: Type.Object({
              jobs: Type.Array(Type.Ref('JobSummary')),
              total: Type.Integer({ minimum: 0, description: 'Jobs matching the filter, on every page' }),
              nextCursor: Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last' })),
            }),
            ...errorResponses,
          },
        },
      },
      async (req, reply) => {
        const { cluster, state, q, sort, limit, cursor } = req.query
        if (cluster !== undefined && !view.cluster(cluster)) return sendError(reply, 404, `no cluster ${cluster}`)
        const now = clock.now()
        const page = jobPage(view.jobs({ cluster, state, q }), sort ?? 'cluster', limit, cursor)
        return { jobs: page.jobs.map((j) => jobSummary(j, now, view)), total: page.total, nextCursor: page.nextCursor }
      },
    )
    app.get(
      '/jobs/:cluster/:jobId',
      {
        schema: {
          tags: ['jobs'],
          summary: 'One job with checkpoints, latest exceptions and vertices',
          params: Type.Object({ cluster: Type.String(), jobId: Type.String() }),
          response: { 200: Type.Ref('JobDetail'), ...errorResponses },
        },
      },
      async (req, reply) => {
        const { cluster, jobId } = req.params
        if (!view.cluster(cluster)) return sendError(reply, 404, `no cluster ${cluster}`)
        const j = view.job(cluster, jobId)
        if (!j) return sendError(reply, 404, `no job ${jobId} on cluster ${cluster}`)
        return detail(j, clock.now())
      },
    )

    const known = (cluster: string, jobId: string): { job: JobSnapshot } | { error: string } => {
      if (!view.cluster(cluster)) return { error: `no cluster ${cluster}` }
      const job = view.job(cluster, jobId)
      return job ? { job } : { error: `no job ${jobId} on cluster ${cluster}` }
    }
    const { history, timeline, restorePoints } = more
    if (history) {
      app.addSchema(HistoryPoint)
      app.get(
        '/jobs/:cluster/:jobId/history',
        {
          schema: {
            tags: ['jobs'],
            summary: 'Metric history of a job for charts, oldest first (at most 2,000 points, thinned evenly)',
            params: JobParams,
            querystring: Type.Object({ from: Type.Optional(TimeParam('Oldest sample, inclusive; default to - 1h')), to: Type.Optional(TimeParam('Newest sample, exclusive; default now')) }),
            response: { 200: Type.Object({ samples: Type.Array(Type.Ref('HistorySample')) }), ...errorResponses },
          },
        },
        async (req, reply) => {
          const k = known(req.params.cluster, req.params.jobId)
          if ('error' in k) return sendError(reply, 404, k.error)
          return { samples: await history({ cluster: req.params.cluster, jobId: req.params.jobId, ...range(req.query, clock.now(), HOUR) }) }
        },
      )
    }
    if (timeline) {
      app.addSchema(TimelineEventSchema)
      app.get(
        '/jobs/:cluster/:jobId/timeline',
        {
          schema: {
            tags: ['jobs'],
            summary: 'State transitions, restarts, failures, checkpoints, lifecycle actions and incidents of a job, newest first',
            params: JobParams,
            querystring: Type.Object({
              from: Type.Optional(TimeParam('Oldest event, inclusive; default to - 7d')),
              to: Type.Optional(TimeParam('Newest event, exclusive; default now')),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
            }),
            response: { 200: Type.Object({ events: Type.Array(Type.Ref('TimelineEvent')) }), ...errorResponses },
          },
        },
        async (req, reply) => {
          const k = known(req.params.cluster, req.params.jobId)
          if ('error' in k) return sendError(reply, 404, k.error)
          return { events: await timeline(k.job, { ...range(req.query, clock.now(), 7 * 24 * HOUR), limit: req.query.limit ?? 200 }) }
        },
      )
    }
    if (restorePoints) {
      app.addSchema(RestorePointSchema)
      app.get(
        '/jobs/:cluster/:jobId/restore-points',
        {
          schema: {
            tags: ['jobs'],
            summary: 'Retained checkpoints and savepoints a restart would choose from, newest first (the first is the one it would use)',
            params: JobParams,
            response: { 200: Type.Object({ restorePoints: Type.Array(Type.Ref('RestorePoint')) }), ...errorResponses },
          },
        },
        async (req, reply) => {
          const k = known(req.params.cluster, req.params.jobId)
          if ('error' in k) return sendError(reply, 404, k.error)
          return { restorePoints: (await restorePoints(req.params.cluster, req.params.jobId)) ?? [] }
        },
      )
    }
  }
}
