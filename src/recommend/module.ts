/**
 * The recommendations feature: per running job and vertex, recommended parallelism, TaskManager heap and
 * managed memory from the metric history, and the gauge `flinkwatch_recommended_parallelism{cluster,job_name,vertex}`.
 * `GET /api/v1/recommendations` is built by app.ts from `service`. Needs the fleet's view.
 */
import { Gauge } from 'prom-client'
import type { AppContext, FeatureModule } from '../core/feature.js'
import type { FleetView } from '../fleet/fleet-view.js'
import { storeHistoryReader } from './history-reader.js'
import { RecommendationService, recommendationsCollection } from './recommendation-service.js'
import { ModelRecommender, type Recommender } from './recommender.js'

export const RECOMMENDED_PARALLELISM_METRIC = 'flinkwatch_recommended_parallelism'

export interface RecommendationsModule extends FeatureModule {
  readonly service: RecommendationService
}

export interface RecommendationsDeps {
  fleet: FleetView
  /** Tests and experiments swap the model. */
  recommender?: Recommender
}

export function createRecommendationsModule(ctx: AppContext, deps: RecommendationsDeps): RecommendationsModule {
  const cfg = ctx.config.recommendations
  const recommender =
    deps.recommender ??
    new ModelRecommender({ model: { targetUtilization: cfg.targetUtilization, catchUpMs: cfg.catchUpDuration }, heapHeadroom: cfg.heapHeadroom })
  const service = new RecommendationService({
    config: cfg,
    view: deps.fleet,
    store: ctx.store,
    reader: storeHistoryReader(ctx.store),
    recommender,
    clock: ctx.clock,
    logger: ctx.logger.child({ component: 'recommendations' }),
  })
  // Filled at scrape time from the current recommendations: a job that is no longer recommended has no series.
  new Gauge({
    name: RECOMMENDED_PARALLELISM_METRIC,
    help: 'Recommended parallelism per job vertex, from the metric history (see GET /api/v1/recommendations for the reasoning)',
    labelNames: ['cluster', 'job_name', 'vertex'],
    registers: [ctx.registry],
    collect() {
      this.reset()
      for (const s of service.parallelismSeries()) this.set({ cluster: s.cluster, job_name: s.jobName, vertex: s.vertex }, s.value)
    },
  })
  return {
    name: 'recommendations',
    service,
    collections: [recommendationsCollection],
    components: [service],
  }
}
