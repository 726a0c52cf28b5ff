import { Type, type StaticDecode } from '@sinclair/typebox'
import { CauseRuleConfig } from '../../causes/rules.js'
import { Duration, Strict } from '../types.js'

/**
 * Failure causes (issue 11): the classifier of job failures and restart loops. `rules` add to the
 * built-in rules (src/causes/builtin-rules.ts); a rule with a built-in id replaces it.
 */
export const CausesConfig = Strict(
  {
    enabled: Type.Boolean({ default: true }),
    rules: Type.Array(CauseRuleConfig, { default: [] }),
    /** Log lines read before the failure (and a tenth of it after) for evidence. */
    logWindow: Duration({ default: '5m' }),
    /** Log lines shown in the alert (one per template). */
    evidenceLines: Type.Integer({ minimum: 0, maximum: 10, default: 3 }),
  },
  { default: {} },
)
export type CausesConfig = StaticDecode<typeof CausesConfig>
