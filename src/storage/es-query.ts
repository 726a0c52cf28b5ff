import type { estypes } from '@elastic/elasticsearch'
import { AppError } from '../core/errors.js'
import { ID_FIELD, TOKENS_FIELD, textFieldKey, unicode61Tokens, type TextAnalysis } from './es-mapping.js'
import { asArray, decodeCursor, type CollectionSpec, type FieldValue, type Query, type TextClause } from './store.js'

export interface EsSearchParts {
  query: estypes.QueryDslQueryContainer
  sort: estypes.SortCombinations[]
  searchAfter: [number, string] | undefined
}

/**
 * Translates a store Query into an Elasticsearch bool query. Filters only (no scoring):
 * results are ordered by (@timestamp, id) like the embedded store.
 */
export function buildSearch(collection: string, spec: CollectionSpec, analysis: TextAnalysis, q: Query): EsSearchParts {
  const filterable = new Set([...spec.keywords, ...(spec.numbers ?? [])])
  const field = (path: string): string => {
    if (!filterable.has(path)) throw new AppError('ERR_BAD_REQUEST', `field ${path} is not filterable in ${collection}`, { retriable: false })
    return path
  }
  const terms = (path: string, v: FieldValue | readonly FieldValue[]): estypes.QueryDslQueryContainer => ({ terms: { [field(path)]: [...asArray(v)] } })
  const filter: estypes.QueryDslQueryContainer[] = []
  const mustNot: estypes.QueryDslQueryContainer[] = []
  for (const [path, v] of Object.entries(q.where ?? {})) filter.push(terms(path, v))
  for (const [path, v] of Object.entries(q.whereNot ?? {})) mustNot.push(terms(path, v))
  for (const [path, r] of Object.entries(q.range ?? {})) {
    const range: estypes.QueryDslNumberRangeQuery = {}
    if (r.gte !== undefined) range.gte = r.gte
    if (r.lte !== undefined) range.lte = r.lte
    filter.push({ range: { [field(path)]: range } })
  }
  if (q.from !== undefined || q.to !== undefined) {
    // Epoch milliseconds as strings: the typed DSL wants date math, which a number in epoch_millis format is.
    const range: estypes.QueryDslDateRangeQuery = { format: 'epoch_millis' }
    if (q.from !== undefined) range.gte = String(Math.trunc(q.from))
    if (q.to !== undefined) range.lt = String(Math.trunc(q.to))
    filter.push({ range: { '@timestamp': range } })
  }
  if (q.text && (q.text.must.length > 0 || q.text.mustNot.length > 0)) {
    const text = spec.text ?? []
    if (text.length === 0) throw new AppError('ERR_BAD_REQUEST', `${collection} has no text fields`, { retriable: false })
    for (const c of q.text.must) filter.push(textClause(c, text, analysis))
    for (const c of q.text.mustNot) mustNot.push(textClause(c, text, analysis))
  }
  const desc = (q.order ?? 'desc') === 'desc'
  const order = desc ? 'desc' : 'asc'
  let searchAfter: [number, string] | undefined
  if (q.cursor) {
    const c = decodeCursor(q.cursor)
    if (!c) throw new AppError('ERR_BAD_REQUEST', 'invalid cursor', { retriable: false })
    searchAfter = [c.timestamp, c.id]
  }
  return {
    query: { bool: { filter, must_not: mustNot } },
    sort: [{ '@timestamp': { order } }, { [ID_FIELD]: { order } }],
    searchAfter,
  }
}

/**
 * A term or phrase matches when its tokens appear consecutively in any text field. FTS5 treats a
 * quoted term that contains separators ("Orders.map") as a phrase too, so both kinds are phrases.
 */
function textClause(c: TextClause, fields: readonly string[], analysis: TextAnalysis): estypes.QueryDslQueryContainer {
  const value = analysis === 'native' ? c.value : unicode61Tokens(c.value).join(' ')
  const should = fields.map((path, i) => ({
    match_phrase: { [analysis === 'native' ? path : `${TOKENS_FIELD}.${textFieldKey(i)}`]: { query: value, zero_terms_query: 'none' as const } },
  }))
  return should.length === 1 ? should[0]! : { bool: { should, minimum_should_match: 1 } }
}
