import { Type, type StaticDecode } from '@sinclair/typebox'
import { Duration, HttpUrl, Id, Strict } from '../types.js'

const common = {
  id: Id(),
  url: HttpUrl(),
  pollInterval: Duration({ default: '10s' }),
  /** Per-request timeout against the cluster's APIs. */
  requestTimeout: Duration({ default: '5s' }),
  /** A cluster is down only after this many consecutive failed probes, never after one. */
  downAfter: Type.Integer({ minimum: 1, default: 3 }),
  /**
   * Per running job, how often checkpoint statistics are refreshed when its state did not change
   * (a state change or restart always refreshes them at once).
   */
  checkpointInterval: Duration({ default: '60s' }),
  /**
   * Per running job, how often vertex metrics (busy, backpressure, rates, Kafka lag) are read, and per
   * cluster how often TaskManager resource metrics are. Flink refreshes REST metrics every 10 s at most.
   */
  metricsInterval: Duration({ default: '60s' }),
  /** Concurrent requests to one JobManager / API server. */
  concurrency: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
  /** Link target for the Flink web UI in alert messages, when it differs from url. */
  webUiUrl: Type.Optional(HttpUrl()),
  enabled: Type.Boolean({ default: true }),
}

export const FlinkClusterConfig = Strict({
  ...common,
  type: Type.Literal('flink'),
  /**
   * Between polls, how often `GET /jobs` (ids and statuses) checks for a state change; one polls at once.
   * A failure is then seen within this, not within pollInterval. 0s: off (also when not under pollInterval / 2).
   */
  watchInterval: Duration({ default: '2s' }),
})

export const YarnClusterConfig = Strict({
  ...common,
  type: Type.Literal('yarn'),
  /** Reach JobManagers through the RM web proxy (default) or at their own tracking address. */
  jobManagerAccess: Type.Union([Type.Literal('proxy'), Type.Literal('direct')], { default: 'proxy' }),
  /** Only applications in this queue. */
  queue: Type.Optional(Type.String()),
  /** Only this user's applications; also sent as `user.name` (simple auth on non-secure clusters). */
  user: Type.Optional(Type.String()),
  /** YARN application type of Flink applications (Flink's `yarn.application.type`). */
  applicationType: Type.String({ default: 'Apache Flink' }),
})

export const KubernetesClusterConfig = Strict({
  ...common,
  type: Type.Literal('kubernetes'),
  /** API server URL; omitted with inCluster: true. */
  url: Type.Optional(HttpUrl()),
  inCluster: Type.Boolean({ default: false }),
  token: Type.Optional(Type.String()),
  tokenFile: Type.Optional(Type.String()),
  caFile: Type.Optional(Type.String()),
  insecureSkipTlsVerify: Type.Boolean({ default: false }),
  namespaces: Type.Array(Type.String(), { default: [] }),
  /** Label selector for native-mode Flink clusters (not operator managed). */
  nativeLabelSelector: Type.String({ default: 'type=flink-native-kubernetes' }),
  /** How flinkwatch reaches each cluster's REST endpoint: through the API server service proxy, or the service DNS name. */
  restAccess: Type.Union([Type.Literal('proxy'), Type.Literal('service')], { default: 'proxy' }),
})

export const ClusterConfig = Type.Union([FlinkClusterConfig, YarnClusterConfig, KubernetesClusterConfig], { discriminator: 'type' })
export type ClusterConfig = StaticDecode<typeof ClusterConfig>
export type FlinkClusterConfig = StaticDecode<typeof FlinkClusterConfig>
export type YarnClusterConfig = StaticDecode<typeof YarnClusterConfig>
export type KubernetesClusterConfig = StaticDecode<typeof KubernetesClusterConfig>
