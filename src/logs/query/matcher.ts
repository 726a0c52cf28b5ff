import type { TextClause } from '../../storage/store.js'
import type { DocBody } from '../../storage/store.js'
import { FIELD, read } from '../document.js'
import type { ParsedLogQuery } from './parse.js'
import { constraints, type LogFilters } from './to-store-query.js'
import { tokenize } from './tokenize.js'

/**
 * The same query evaluated in memory, for the live tail: same parser, same tokenizer rules as the stores,
 * so a line the tail shows is a line the search finds.
 */
export function compileMatcher(p: ParsedLogQuery, f: LogFilters = {}): (body: DocBody) => boolean {
  const c = constraints(p, f)
  return (body) => {
    for (const { path, values } of c.where) if (!values.includes(String(read(body, path) ?? '\u0000absent'))) return false
    for (const { path, values } of c.whereNot) if (values.includes(String(read(body, path) ?? '\u0000absent'))) return false
    if (p.must.length === 0 && p.mustNot.length === 0) return true
    const fields = [FIELD.message, FIELD.stackTrace].map((path) => {
      const v = read(body, path)
      return typeof v === 'string' ? tokenize(v) : []
    })
    const hit = (clause: TextClause): boolean => fields.some((tokens) => contains(tokens, clause))
    return p.must.every(hit) && !p.mustNot.some(hit)
  }
}

function contains(tokens: string[], clause: TextClause): boolean {
  const want = tokenize(clause.value)
  if (want.length === 0) return true
  outer: for (let i = 0; i + want.length <= tokens.length; i++) {
    for (let j = 0; j < want.length; j++) if (tokens[i + j] !== want[j]) continue outer
    return true
  }
  return false
}
