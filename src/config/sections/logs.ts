import { Type, type StaticDecode } from '@sinclair/typebox'
import { Duration, Strict } from '../types.js'

const Bucket = (linesPerSecond: number, burst: number) =>
  Strict(
    {
      linesPerSecond: Type.Number({ exclusiveMinimum: 0, default: linesPerSecond }),
      burst: Type.Number({ minimum: 1, default: burst }),
    },
    { default: {} },
  )

export const LogsConfig = Strict(
  {
    kafka: Type.Optional(
      Strict({
        enabled: Type.Boolean({ default: true }),
        brokers: Type.Array(Type.String({ pattern: '^[^:\\s]+:[0-9]+$', errorMessage: 'must be host:port' }), { minItems: 1 }),
        topics: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
        groupId: Type.String({ default: 'flinkwatch-logs', minLength: 1 }),
        clientId: Type.String({ default: 'flinkwatch' }),
        /** Start from the earliest offset when the group has none committed. */
        fromBeginning: Type.Boolean({ default: true }),
      }),
    ),
    rateLimit: Strict(
      {
        perJob: Bucket(1000, 5000),
        perTaskManager: Bucket(2000, 10000),
        /** Records more than this far ahead of wall-clock time are rate-limited at wall-clock time. */
        maxClockSkew: Duration({ default: '5m' }),
        /** Interval of the "N lines dropped" marker record per job. */
        markerInterval: Duration({ default: '10s' }),
      },
      { default: {} },
    ),
    maxRecordBytes: Type.Integer({ minimum: 256, default: 32768 }),
    retention: Duration({ default: '7d' }),
    bulk: Strict(
      {
        maxRecords: Type.Integer({ minimum: 1, default: 10000 }),
        maxBytes: Type.Integer({ minimum: 1024, default: 10 * 1024 * 1024 }),
        flushInterval: Duration({ default: '1s' }),
        maxInFlight: Type.Integer({ minimum: 1, default: 2 }),
      },
      { default: {} },
    ),
  },
  { default: {} },
)
export type LogsConfig = StaticDecode<typeof LogsConfig>
