/**
 * Cause rules: data, not code. A rule names a class and the evidence that points at it; the
 * built-in set (builtin-rules.ts) ships with the service and `causes.rules` in the config adds to
 * it (a user rule with a built-in rule's id replaces it). One schema for both.
 */
import { CauseRuleConfig } from '../config/sections/causes.js'
import type { CauseClassId } from './classes.js'

export { CauseRuleConfig }

export interface CompiledRule {
  id: string
  class: CauseClassId
  title?: string
  hint?: string
  runbook?: string
  priority: number
  /** Patterns on one cause link (class, message, frame, userCode) must all hold for that link. */
  exception?: RegExp
  message?: RegExp
  frame?: RegExp
  userCode?: boolean
  podReason?: RegExp
  exitCodes?: ReadonlySet<number>
  log?: RegExp
  /** On the whole exception text. */
  text?: RegExp
  /** Vetoes the rule when it matches any evidence. */
  unless?: RegExp
  labels?: [string, RegExp][]
  /** Order in the list: among equal scores the earlier rule wins. */
  order: number
}

export class CauseRuleError extends Error {}

function regex(ruleId: string, key: string, source: string | undefined): RegExp | undefined {
  if (source === undefined) return undefined
  try {
    return new RegExp(source, 'i')
  } catch (err) {
    throw new CauseRuleError(`causes.rules[${ruleId}].match.${key}: not a valid regular expression (${(err as Error).message})`)
  }
}

export function compileRule(r: CauseRuleConfig, order: number, defaultPriority: number): CompiledRule {
  const m = r.match
  const out: CompiledRule = { id: r.id, class: r.class, priority: r.priority ?? defaultPriority, order }
  if (r.title !== undefined) out.title = r.title
  if (r.hint !== undefined) out.hint = r.hint
  if (r.runbook !== undefined) out.runbook = r.runbook
  const set = <K extends 'exception' | 'message' | 'frame' | 'podReason' | 'log' | 'text' | 'unless'>(k: K, v: RegExp | undefined): void => {
    if (v) out[k] = v
  }
  set('exception', regex(r.id, 'exception', m.exception))
  set('message', regex(r.id, 'message', m.message))
  set('frame', regex(r.id, 'frame', m.frame))
  set('podReason', regex(r.id, 'podReason', m.podReason))
  set('log', regex(r.id, 'log', m.log))
  set('text', regex(r.id, 'text', m.text))
  set('unless', regex(r.id, 'unless', m.unless))
  if (m.userCode !== undefined) out.userCode = m.userCode
  if (m.exitCode) out.exitCodes = new Set(m.exitCode)
  if (m.label) out.labels = Object.entries(m.label).map(([k, v]) => [k, regex(r.id, `label.${k}`, v)!])
  return out
}

/** Built-ins first, then user rules; a user rule with a built-in id replaces it in place. */
export function compileRules(builtin: readonly CauseRuleConfig[], user: readonly CauseRuleConfig[] = []): CompiledRule[] {
  const byId = new Map<string, { rule: CauseRuleConfig; user: boolean }>()
  for (const r of builtin) byId.set(r.id, { rule: r, user: false })
  for (const r of user) byId.set(r.id, { rule: r, user: true })
  return [...byId.values()].map((e, i) => compileRule(e.rule, i, e.user ? 100 : 50))
}
