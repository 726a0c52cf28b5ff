import { BadRequestError } from '../../core/errors.js'
import type { TextClause } from '../../storage/store.js'
import { tokenize } from './tokenize.js'

/** The fields `field:value` may name, with the aliases people type. */
export type LogField = 'level' | 'logger' | 'thread' | 'job' | 'taskManager' | 'cluster'
const FIELD_ALIASES: Record<string, LogField> = {
  level: 'level',
  logger: 'logger',
  thread: 'thread',
  job: 'job',
  taskmanager: 'taskManager',
  tm: 'taskManager',
  cluster: 'cluster',
}

export interface ParsedLogQuery {
  /** Every clause must match message or stack trace; terms are single tokens, anything longer is a phrase. */
  must: TextClause[]
  mustNot: TextClause[]
  /** field → accepted values (any of); several `level:` clauses widen, querystring filters narrow. */
  fields: Partial<Record<LogField, string[]>>
  notFields: Partial<Record<LogField, string[]>>
}

const MAX_CLAUSES = 32

/**
 * The one parser for `q`, shared by both store backends and the live tail:
 * `words` (all must match), `"exact phrases"`, `field:value` / `field:"a value"` for level, logger, thread, job,
 * taskManager and cluster, and `-` before any of them to exclude. Unknown `x:y` is text.
 */
export function parseLogQuery(q: string | undefined): ParsedLogQuery {
  const out: ParsedLogQuery = { must: [], mustNot: [], fields: {}, notFields: {} }
  if (!q) return out
  let i = 0
  let count = 0
  while (i < q.length) {
    while (i < q.length && /\s/.test(q[i]!)) i++
    if (i >= q.length) break
    let negate = false
    if (q[i] === '-' && i + 1 < q.length && !/\s/.test(q[i + 1]!)) {
      negate = true
      i++
    }
    let field: LogField | undefined
    const fm = /^([A-Za-z]+):(?=\S)/.exec(q.slice(i))
    if (fm && FIELD_ALIASES[fm[1]!.toLowerCase()]) {
      field = FIELD_ALIASES[fm[1]!.toLowerCase()]
      i += fm[0].length
    }
    let value: string
    let quoted = false
    if (q[i] === '"') {
      const end = q.indexOf('"', i + 1)
      // An unbalanced quote runs to the end rather than failing the whole search.
      value = end < 0 ? q.slice(i + 1) : q.slice(i + 1, end)
      i = end < 0 ? q.length : end + 1
      quoted = true
    } else {
      const start = i
      while (i < q.length && !/\s/.test(q[i]!)) i++
      value = q.slice(start, i)
    }
    if (++count > MAX_CLAUSES) throw new BadRequestError(`q has more than ${MAX_CLAUSES} clauses`)
    if (field) {
      if (value.length === 0) continue
      const target = negate ? out.notFields : out.fields
      ;(target[field] ??= []).push(field === 'level' ? value.toUpperCase() : value)
      continue
    }
    const tokens = tokenize(value)
    if (tokens.length === 0) continue
    const clause: TextClause = tokens.length === 1 && !quoted ? { kind: 'term', value: tokens[0]! } : { kind: 'phrase', value: tokens.join(' ') }
    ;(negate ? out.mustNot : out.must).push(clause)
  }
  return out
}
