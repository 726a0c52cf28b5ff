import { readFileSync } from 'node:fs'
import { Value } from '@sinclair/typebox/value'
import { applyDefaults } from './defaults.js'
import { parseDocument, YAMLParseError } from 'yaml'
import { ConfigError, errorMessage } from '../core/errors.js'
import { crossReferences } from './check.js'
import { FlinkwatchConfig } from './schema.js'
import { pointerToPath, validate } from './validate.js'

export const DEFAULT_CONFIG_PATH = 'config/flinkwatch.yaml'

/** --config, else FLINKWATCH_CONFIG, else config/flinkwatch.yaml. */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env['FLINKWATCH_CONFIG'] ?? DEFAULT_CONFIG_PATH
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): FlinkwatchConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError([`${path}: cannot read config file: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`])
  }
  return parseConfig(text, env, path)
}

export function parseConfig(text: string, env: NodeJS.ProcessEnv = process.env, source = 'config'): FlinkwatchConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e: YAMLParseError) => `${source}: invalid YAML: ${e.message.split('\n')[0]}`))
  }
  const raw: unknown = doc.toJS() ?? {}
  const problems: string[] = []
  const interpolated = interpolateEnv(raw, env, '', problems)
  return validateConfig(interpolated, problems)
}

export function validateConfig(raw: unknown, problems: string[] = []): FlinkwatchConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(['(root): must be a mapping'])
  // Defaults first, then validation: the defaults are part of the schema, not code.
  const withDefaults = applyDefaults(FlinkwatchConfig, Value.Clone(raw))
  problems.push(...validate(FlinkwatchConfig, withDefaults))
  if (problems.length > 0) throw new ConfigError(problems)
  // Valid, so decoding cannot fail: durations become milliseconds here, once.
  const config = Value.Decode(FlinkwatchConfig, withDefaults)
  problems.push(...crossReferences(config))
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

/** Replaces ${VAR} and ${VAR:-default} in string values (not in the raw text, so secrets cannot break YAML). */
function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, pointer: string, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_, name: string, fallback: string | undefined) => {
      const v = env[name]
      if (v !== undefined && v !== '') return v
      if (fallback !== undefined) return fallback
      problems.push(`${pointerToPath(pointer)}: environment variable ${name} is not set`)
      return ''
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${pointer}/${i}`, problems))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, `${pointer}/${k}`, problems)]))
  }
  return value
}
