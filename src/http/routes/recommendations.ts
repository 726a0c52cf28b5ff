import { Type, type Static } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FleetView } from '../../fleet/fleet-view.js'
import type { MemoryRecommendation } from '../../recommend/model.js'
import type { RecommendationService } from '../../recommend/recommendation-service.js'
import type { Recommendation as Rec } from '../../recommend/recommender.js'
import { errorResponses, Nullable } from '../schemas.js'
import { sendError } from '../errors.js'


const Window = Type.Object(
  {
    from: Type.Integer({ description: 'Epoch ms of the oldest sample used' }),
    to: Type.Integer({ description: 'Epoch ms of the newest sample used' }),
    samples: Type.Integer({ description: 'Samples used' }),
  },
  { $id: 'RecommendationWindow' },
)

const Confidence = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')], {
  description: 'high: ≥ 60 samples with a steady per-subtask capacity; medium: ≥ 15; low: less, or the figures disagree',
})

const Parallelism = Type.Object({
  current: Type.Integer({ description: 'Parallelism of the newest sample' }),
  recommended: Nullable(Type.Integer({ description: 'null while there is too little history for a first recommendation' })),
  reason: Type.String({ description: 'The reasoning in words: demand, capacity per subtask, backlog, hysteresis' }),
  confidence: Confidence,
  window: Type.Ref('RecommendationWindow'),
  figures: Type.Object({
    capacityPerSubtask: Nullable(Type.Number({ description: 'Records/s one subtask handles at 100% busy, at the busiest subtask' })),
    demandPerSec: Nullable(Type.Number({ description: 'Arrival rate (records read + lag growth), the percentile over the window' })),
    lag: Nullable(Type.Number({ description: 'Backlog at the newest sample, records' })),
    predictedBusy: Nullable(Type.Number({ description: 'Busiest subtask busy ratio at the recommended parallelism and that demand' })),
  }),
  pending: Nullable(
    Type.Object(
      {
        direction: Type.Union([Type.Literal('up'), Type.Literal('down')]),
        since: Type.Integer({ description: 'Epoch ms since the change has been indicated' }),
        target: Type.Integer(),
      },
      { description: 'A change not recommended yet: it must hold for a while first (hysteresis)' },
    ),
  ),
})

const Memory = Type.Object(
  {
    current: Nullable(Type.Integer({ description: 'Bytes configured (heap max, managed size)' })),
    recommended: Nullable(Type.Integer({ description: 'Bytes' })),
    reason: Type.String(),
    confidence: Type.Union([Type.Literal('none'), Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')], {
      description: 'none: the history holds nothing to base a recommendation on (managed memory: no usage samples); otherwise as for parallelism',
    }),
    window: Type.Ref('RecommendationWindow'),
  },
  { $id: 'MemoryRecommendation' },
)

const Recommendation = Type.Object(
  {
    cluster: Type.String(),
    jobName: Type.String(),
    jobId: Type.String({ description: 'The newest instance in the window' }),
    computedAt: Type.Integer({ description: 'Epoch ms' }),
    window: Type.Ref('RecommendationWindow'),
    vertices: Type.Array(
      Type.Object({
        vertexId: Type.String(),
        vertexName: Type.String(),
        isSource: Type.Boolean(),
        parallelism: Parallelism,
      }),
    ),
    taskManager: Type.Object({
      heapBytes: Type.Ref('MemoryRecommendation'),
      managedMemoryBytes: Type.Ref('MemoryRecommendation'),
    }),
  },
  { $id: 'Recommendation' },
)

type RecommendationBody = Static<typeof Recommendation>

function memory(m: MemoryRecommendation): Static<typeof Memory> {
  return { current: m.current, recommended: m.recommended, reason: m.reason, confidence: m.confidence, window: m.window }
}

function body(r: Rec): RecommendationBody {
  return {
    cluster: r.cluster,
    jobName: r.jobName,
    jobId: r.jobId,
    computedAt: r.computedAt,
    window: r.window,
    vertices: r.vertices.map((v) => ({
      vertexId: v.vertexId,
      vertexName: v.vertexName,
      isSource: v.isSource,
      parallelism: {
        current: v.parallelism.current,
        recommended: v.parallelism.recommended,
        reason: v.parallelism.reason,
        confidence: v.parallelism.confidence,
        window: v.parallelism.window,
        figures: v.parallelism.figures,
        pending: v.parallelism.state?.pending ?? null,
      },
    })),
    taskManager: { heapBytes: memory(r.taskManager.heapBytes), managedMemoryBytes: memory(r.taskManager.managedMemoryBytes) },
  }
}

/** GET /api/v1/recommendations. */
export function recommendationRoutes(service: RecommendationService, fleet: FleetView): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.addSchema(Window)
    app.addSchema(Memory)
    app.addSchema(Recommendation)
    app.get(
      '/recommendations',
      {
        schema: {
          tags: ['recommendations'],
          summary: 'Recommended parallelism per job vertex, TaskManager heap and managed memory, from the metric history',
          description:
            'Computed per running job on the recommendations.schedule over recommendations.window of history; refresh=true recomputes the selected jobs now. Each figure has the current value, the recommended one, the reasoning, the data window used and a confidence.',
          querystring: Type.Object({
            cluster: Type.Optional(Type.String({ maxLength: 63 })),
            job: Type.Optional(Type.String({ description: 'A job name or the id of one of its instances', maxLength: 400 })),
            refresh: Type.Optional(Type.Boolean({ default: false, description: 'Recompute now instead of returning the last scheduled computation' })),
          }),
          response: { 200: Type.Object({ recommendations: Type.Array(Type.Ref('Recommendation')) }), ...errorResponses },
        },
      },
      async (req, reply) => {
        const { cluster, job, refresh } = req.query
        if (cluster !== undefined && !fleet.cluster(cluster)) return sendError(reply, 404, `no cluster ${cluster}`)
        const filter = { ...(cluster ? { cluster } : {}), ...(job ? { job } : {}) }
        if (refresh) await service.refresh(filter)
        return { recommendations: (await service.list(filter)).map(body) }
      },
    )
  }
}
