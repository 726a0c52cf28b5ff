/** What `flinkwatch check-config` asks of the cause rules beyond the schema: every regular expression compiles. */
import type { FlinkwatchConfig } from '../config/schema.js'
import { BUILTIN_CAUSE_RULES } from './builtin-rules.js'
import { CauseRuleError, compileRules, type CompiledRule } from './rules.js'
import { ConfigError } from '../core/errors.js'

export function checkCausesConfig(config: FlinkwatchConfig): string[] {
  try {
    compileRules(BUILTIN_CAUSE_RULES, config.causes.rules)
    return []
  } catch (err) {
    if (err instanceof CauseRuleError) return [err.message]
    throw err
  }
}

/** The built-in and configured rules, compiled; a bad one is a ConfigError naming it. */
export function causeRules(config: FlinkwatchConfig): CompiledRule[] {
  const problems = checkCausesConfig(config)
  if (problems.length > 0) throw new ConfigError(problems)
  return compileRules(BUILTIN_CAUSE_RULES, config.causes.rules)
}
