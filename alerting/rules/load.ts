/**
 * Rule configuration: the default set in `config/rules.yaml`, then `alerting.rules` from the
 * service config; a user rule with the name of a default rule overrides its fields (params are
 * merged key by key), `enabled: false` removes it. Parameters are validated per kind.
 */
import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import { parse } from 'yaml'
import { RuleConfig } from '../../src/config/sections/alerting.js'
import { ConfigError, errorMessage } from '../../src/core/errors.js'
import { packageRoot } from '../../src/core/version.js'
import type { Rule, RuleSpec } from './rule.js'
import { RULE_KINDS } from './index.js'

/**
 * `alerting.rulesFile` as a path: a relative one is relative to flinkwatch's install directory (where
 * config/rules.yaml ships), not to wherever the process was started from.
 */
export function resolveRulesFile(rulesFile: string): string {
  return isAbsolute(rulesFile) ? rulesFile : resolve(packageRoot() ?? process.cwd(), rulesFile)
}

/** Reads the default rules; a missing or unreadable file is a config error, never "no rules". */
export function readRulesFile(path: string): RuleConfig[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError([`alerting.rulesFile: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`])
  }
  let raw: unknown
  try {
    raw = parse(text)
  } catch (err) {
    throw new ConfigError([`${path}: invalid YAML: ${errorMessage(err).split('\n')[0]}`])
  }
  const list = (raw as { rules?: unknown } | null)?.rules ?? []
  if (!Array.isArray(list)) throw new ConfigError([`${path}: rules must be a list`])
  const problems: string[] = []
  const out: RuleConfig[] = []
  list.forEach((r, i) => {
    const withDefaults = Value.Default(RuleConfig, Value.Clone(r))
    if (Value.Check(RuleConfig, withDefaults)) out.push(Value.Decode(RuleConfig, withDefaults))
    else for (const e of Value.Errors(RuleConfig, withDefaults)) problems.push(`${path}: rules[${i}]${e.path.replaceAll('/', '.')}: ${e.message}`)
  })
  if (problems.length > 0) throw new ConfigError(problems)
  return out
}

export function mergeRules(defaults: readonly RuleConfig[], user: readonly RuleConfig[]): RuleConfig[] {
  const byName = new Map(defaults.map((r) => [r.name, structuredClone(r)]))
  for (const u of user) {
    const base = byName.get(u.name)
    byName.set(u.name, base ? { ...base, ...u, params: { ...base.params, ...u.params }, match: { ...base.match, ...u.match } } : structuredClone(u))
  }
  return [...byName.values()]
}

/** Validates kinds and params; returns the rules ready to run. Throws one ConfigError with every problem. */
export function buildRules(configs: readonly RuleConfig[]): Rule[] {
  const problems: string[] = []
  const rules: Rule[] = []
  for (const c of configs) {
    if (!c.enabled) continue
    const where = `alerting.rules[${c.name}]`
    const kind = c.kind === undefined ? undefined : RULE_KINDS.get(c.kind)
    if (!kind) {
      problems.push(
        c.kind === undefined
          ? `${where}.kind: is required (no default rule is named ${JSON.stringify(c.name)})`
          : `${where}.kind: unknown rule kind ${JSON.stringify(c.kind)} (known: ${[...RULE_KINDS.keys()].join(', ')})`,
      )
      continue
    }
    const params = Value.Default(kind.params, Value.Clone(c.params ?? {})) as Record<string, number | string | boolean>
    if (!Value.Check(kind.params, params)) {
      for (const e of Value.Errors(kind.params, params)) problems.push(`${where}.params${e.path.replaceAll('/', '.')}: ${e.message}`)
      continue
    }
    const spec: RuleSpec = {
      name: c.name,
      kind: kind.kind,
      severity: c.severity ?? kind.defaultSeverity,
      forMs: c.for ?? 0,
      match: {
        ...(c.match?.cluster ? { cluster: anchored(c.match.cluster, `${where}.match.cluster`, problems) } : {}),
        ...(c.match?.job ? { job: anchored(c.match.job, `${where}.match.job`, problems) } : {}),
      },
      params,
      annotation: c.annotation ?? null,
    }
    if (problems.length === 0) rules.push(kind.create(spec))
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return rules
}

function anchored(pattern: string, where: string, problems: string[]): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`)
  } catch {
    problems.push(`${where}: not a valid regular expression: ${pattern}`)
    return /$^/
  }
}

export function loadRules(rulesFile: string, user: readonly RuleConfig[]): Rule[] {
  return buildRules(mergeRules(readRulesFile(rulesFile), user))
}
