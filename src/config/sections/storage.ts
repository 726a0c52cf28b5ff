import { Type, type StaticDecode } from '@sinclair/typebox'
import { Duration, HttpUrl, Strict } from '../types.js'

export const EmbeddedStorageConfig = Strict({
  type: Type.Literal('embedded'),
  path: Type.String({ default: './data', minLength: 1 }),
})

export const ElasticsearchStorageConfig = Strict({
  type: Type.Literal('elasticsearch'),
  node: Type.Union([HttpUrl(), Type.Array(HttpUrl(), { minItems: 1 })], { errorMessage: 'must be an http(s) URL or a list of them' }),
  indexPrefix: Type.String({ default: 'flinkwatch', pattern: '^[a-z0-9][a-z0-9_-]*$', errorMessage: 'must be lowercase letters, digits, "_" or "-"' }),
  username: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  apiKey: Type.Optional(Type.String()),
  requestTimeout: Duration({ default: '30s' }),
})

export const StorageConfig = Type.Union([EmbeddedStorageConfig, ElasticsearchStorageConfig], {
  default: { type: 'embedded', path: './data' },
  discriminator: 'type',
})
export type StorageConfig = StaticDecode<typeof StorageConfig>
export type EmbeddedStorageConfig = StaticDecode<typeof EmbeddedStorageConfig>
export type ElasticsearchStorageConfig = StaticDecode<typeof ElasticsearchStorageConfig>

export const HistoryConfig = Strict(
  {
    /** How long metric samples are kept for recommendations. */
    retention: Duration({ default: '14d' }),
    /** Minimum spacing of stored samples per job; polls in between only update live state. */
    sampleInterval: Duration({ default: '1m' }),
  },
  { default: {} },
)
export type HistoryConfig = StaticDecode<typeof HistoryConfig>
