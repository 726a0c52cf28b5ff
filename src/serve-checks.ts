/**
 * The config check `flinkwatch serve` runs before it builds anything, and `check-config` runs the same:
 * the config layer's invariants plus the checks features own (it sits above the features, as app.ts does).
 */
import { checkAlertingConfig } from '../alerting/check.js'
import { checkCausesConfig } from './causes/check.js'
import { checkConfig, type ConfigCheck } from './config/check.js'
import type { FlinkwatchConfig } from './config/schema.js'

const FEATURE_CHECKS: readonly ConfigCheck[] = [checkAlertingConfig, checkCausesConfig]

export function checkServeConfig(config: FlinkwatchConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  return checkConfig(config, { featureChecks: FEATURE_CHECKS, env })
}
