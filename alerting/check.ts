/**
 * What `flinkwatch check-config` asks of alerting beyond the config schema: the rules file can be
 * read, every rule kind exists, its params and matchers are valid. Returns the problems, one line each.
 */
import type { FlinkwatchConfig } from '../src/config/schema.js'
import { ConfigError, errorMessage } from '../src/core/errors.js'
import { loadRules, resolveRulesFile } from './rules/load.js'

export function checkAlertingConfig(config: FlinkwatchConfig): string[] {
  const cfg = config.alerting
  if (!cfg.enabled) return []
  try {
    loadRules(resolveRulesFile(cfg.rulesFile), cfg.rules)
    return []
  } catch (err) {
    return err instanceof ConfigError ? [...err.problems] : [`alerting: ${errorMessage(err)}`]
  }
}
