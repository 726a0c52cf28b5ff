import { Type, type StaticDecode } from '@sinclair/typebox'
import { Duration, Strict } from '../types.js'

export const RecommendationsConfig = Strict(
  {
    enabled: Type.Boolean({ default: true }),
    /** node-cron expression for recomputation. */
    schedule: Type.String({ default: '*/15 * * * *' }),
    window: Duration({ default: '24h' }),
    targetUtilization: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.7 }),
    catchUpDuration: Duration({ default: '15m' }),
    heapHeadroom: Type.Number({ minimum: 0, default: 0.25 }),
  },
  { default: {} },
)
export type RecommendationsConfig = StaticDecode<typeof RecommendationsConfig>
