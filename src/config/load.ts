import { readFileSync } from 'node:fs'
import { Value } from '@sinclair/typebox/value'
import { applyDefaults } from './defaults.js'
import { parseDocument, YAMLParseError } from 'yaml'
import { ConfigError, errorMessage } from '../core/errors.js'
import { parseDuration } from '../core/duration.js'
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
  if (problems.length === 0) problems.push(...crossChecks(withDefaults as FlinkwatchConfig))
  if (problems.length > 0) throw new ConfigError(problems)
  return withDefaults as FlinkwatchConfig
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

/** Invariants one field cannot see on its own. */
function crossChecks(c: FlinkwatchConfig): string[] {
  const out: string[] = []
  const dup = <T>(items: T[], key: (t: T) => string, path: string): void => {
    const seen = new Map<string, number>()
    items.forEach((it, i) => {
      const k = key(it)
      const first = seen.get(k)
      if (first !== undefined) out.push(`${path}[${i}].id: duplicate id ${JSON.stringify(k)} (also ${path}[${first}])`)
      else seen.set(k, i)
    })
  }
  dup(c.clusters, (x) => x.id, 'clusters')
  dup(c.alerting.channels, (x) => x.id, 'alerting.channels')
  c.clusters.forEach((cl, i) => {
    if (cl.type === 'kubernetes') {
      if (!cl.url && !cl.inCluster) out.push(`clusters[${i}].url: is required unless inCluster is true`)
      if (cl.token && cl.tokenFile) out.push(`clusters[${i}].token: set at most one of token and tokenFile`)
    }
  })
  const channelIds = new Set(c.alerting.channels.map((x) => x.id))
  c.alerting.routes.forEach((r, i) =>
    r.channels.forEach((id, j) => {
      if (!channelIds.has(id)) out.push(`alerting.routes[${i}].channels[${j}]: undefined channel ${JSON.stringify(id)}`)
    }),
  )
  c.autoRestart.jobs.forEach((j, i) => {
    if (j.jarId && j.jarPath) out.push(`autoRestart.jobs[${i}].jarId: set at most one of jarId and jarPath`)
  })
  if (c.ha.enabled && c.storage.type === 'embedded') out.push('ha.enabled: needs storage.type elasticsearch (the embedded store serves one process)')
  if (parseDuration(c.ha.leaseTtl) < 2 * parseDuration(c.ha.heartbeat)) out.push('ha.leaseTtl: must be at least twice ha.heartbeat (a lease must survive one missed renewal)')
  const tokens = new Map<string, number>()
  c.auth.tokens.forEach((t, i) => {
    const first = tokens.get(t.token)
    if (first !== undefined) out.push(`auth.tokens[${i}].token: same token as auth.tokens[${first}]`)
    tokens.set(t.token, i)
  })
  return out
}
