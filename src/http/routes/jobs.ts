import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Clock } from '../../core/clock.js'
import type { FleetView } from '../../fleet/fleet-view.js'
import { JOB_STATES, type CheckpointInfo, type JobSnapshot } from '../../model/job.js'
import { errorResponses } from '../schemas.js'
import { sendError } from '../errors.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
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
    lastCheckpoint: Nullable(Type.Ref('Checkpoint')),
    lag: Nullable(Type.Number({ description: 'Kafka source lag in records' })),
    backpressure: Nullable(Type.Number({ description: 'Max back-pressured ratio 0..1' })),
    busy: Nullable(Type.Number({ description: 'Max busy ratio 0..1' })),
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

function checkpoint(c: CheckpointInfo | null, now: number) {
  return c ? { ...c, ageSeconds: Math.max(0, (now - c.completedAt) / 1000) } : null
}

function summary(j: JobSnapshot, now: number) {
  return {
    cluster: j.cluster,
    jobId: j.jobId,
    name: j.name,
    state: j.state,
    startTime: j.startTime,
    restarts: j.restarts,
    lastCheckpoint: checkpoint(j.checkpoints?.lastCompleted ?? null, now),
    lag: j.lag,
    backpressure: j.backpressure,
    busy: j.busy,
  }
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
      ? { ...j.checkpoints, lastCompleted: checkpoint(j.checkpoints.lastCompleted, now), lastSavepoint: checkpoint(j.checkpoints.lastSavepoint, now) }
      : null,
    exceptions: j.exceptions ?? (j.latestException ? [j.latestException] : []),
    vertices: j.vertices,
    resources: j.resources,
  }
}

/** GET /api/v1/jobs and /api/v1/jobs/:cluster/:jobId. */
export function jobRoutes(view: FleetView, clock: Clock): FastifyPluginAsync {
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
          }),
          response: { 200: Type.Object({ jobs: Type.Array(Type.Ref('JobSummary')) }), ...errorResponses },
        },
      },
      async (req, reply) => {
        const { cluster, state, q } = req.query
        if (cluster !== undefined && !view.cluster(cluster)) return sendError(reply, 404, `no cluster ${cluster}`)
        const now = clock.now()
        return { jobs: view.jobs({ cluster, state, q }).map((j) => summary(j, now)) }
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
  }
}
