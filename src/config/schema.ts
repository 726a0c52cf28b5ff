import { Type, type StaticDecode } from '@sinclair/typebox'
import { Strict } from './types.js'
import { AuthConfig, ServerConfig } from './sections/server.js'
import { HistoryConfig, StorageConfig } from './sections/storage.js'
import { ClusterConfig } from './sections/clusters.js'
import { LogsConfig } from './sections/logs.js'
import { AlertingConfig } from './sections/alerting.js'
import { AutoRestartConfig } from './sections/auto-restart.js'
import { RecommendationsConfig } from './sections/recommendations.js'
import { HaConfig } from './sections/ha.js'
import { CausesConfig } from './sections/causes.js'

/** The one schema for flinkwatch.yaml; config/flinkwatch.schema.json is generated from it. */
export const FlinkwatchConfig = Strict(
  {
    $schema: Type.Optional(Type.String()),
    server: ServerConfig,
    storage: StorageConfig,
    clusters: Type.Array(ClusterConfig, { default: [] }),
    auth: AuthConfig,
    history: HistoryConfig,
    logs: LogsConfig,
    alerting: AlertingConfig,
    autoRestart: AutoRestartConfig,
    recommendations: RecommendationsConfig,
    ha: HaConfig,
    causes: CausesConfig,
  },
  { title: 'flinkwatch configuration' },
)
export type FlinkwatchConfig = StaticDecode<typeof FlinkwatchConfig>
