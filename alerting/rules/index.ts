/** Every rule kind, by name: the one list to read when adding one. */
import type { RuleKind } from './rule.js'
import { backpressure } from './backpressure.js'
import { busy } from './busy.js'
import { checkpointFailing } from './checkpoint-failing.js'
import { checkpointSlow } from './checkpoint-slow.js'
import { checkpointStale } from './checkpoint-stale.js'
import { clusterDown } from './cluster-down.js'
import { errorLogRate } from './error-log-rate.js'
import { jobFailed } from './job-failed.js'
import { jobManagerFailover } from './jobmanager-failover.js'
import { jobNotRunning } from './job-not-running.js'
import { kafkaLag } from './kafka-lag.js'
import { kafkaLagTrend } from './kafka-lag-trend.js'
import { restartLoop } from './restart-loop.js'
import { newErrorPattern } from './new-error-pattern.js'
import { taskManagerLost } from './taskmanager-lost.js'
import { throughputZero } from './throughput-zero.js'

export const RULE_KINDS: ReadonlyMap<string, RuleKind> = new Map(
  [
    ...[jobFailed, restartLoop, jobNotRunning, checkpointFailing, checkpointStale, checkpointSlow, kafkaLag, kafkaLagTrend],
    ...[backpressure, busy, throughputZero, jobManagerFailover, clusterDown, taskManagerLost, errorLogRate, newErrorPattern],
  ].map((k) => [k.kind, k]),
)
