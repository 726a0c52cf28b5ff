/** The JobManager moved (leader change, YARN attempt, Kubernetes pod replaced). */
import { Type } from '@sinclair/typebox'
import { DURATION_PATTERN } from '../../src/core/duration.js'
import type { RuleKind } from './rule.js'
import { instantRule } from './instant-rule.js'

export const jobManagerFailover: RuleKind = {
  kind: 'jobmanager-failover',
  level: 'cluster',
  defaultSeverity: 'warning',
  params: Type.Object({ resolveAfter: Type.String({ pattern: DURATION_PATTERN, default: '15m' }) }, { additionalProperties: false }),
  create: (spec) => instantRule(spec, ['jobmanager-failover'], (i, n) => `JobManager failover${n > 1 ? ` (${n} times)` : ''}: ${i.message} (now ${i.subject})`),
}
