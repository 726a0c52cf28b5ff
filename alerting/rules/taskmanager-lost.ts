/** TaskManagers lost, OOM-killed or evicted. */
import { Type } from '@sinclair/typebox'
import { DURATION_PATTERN } from '../../src/core/duration.js'
import type { RuleKind } from './rule.js'
import { instantRule } from './instant-rule.js'

export const taskManagerLost: RuleKind = {
  kind: 'taskmanager-lost',
  level: 'cluster',
  defaultSeverity: 'warning',
  params: Type.Object({ resolveAfter: Type.String({ pattern: DURATION_PATTERN, default: '15m' }) }, { additionalProperties: false }),
  create: (spec) =>
    instantRule(spec, ['taskmanager-lost', 'taskmanager-oom-killed', 'taskmanager-evicted'], (i, n) => {
      const what = i.kind === 'taskmanager-oom-killed' ? 'OOM-killed' : i.kind === 'taskmanager-evicted' ? 'evicted' : 'lost'
      return `TaskManager ${i.subject} ${what}${n > 1 ? ` (${n} TaskManager events)` : ''}: ${i.message}`
    }),
}
