import { AppError } from '../core/errors.js'
import type { CollectionSpec } from './store.js'

/** Internal fields flinkwatch adds to every document's source; stripped again on read. */
export const ID_FIELD = '_fw_id'
/** The body's own `@timestamp`, when it had one (the store's `@timestamp` is the document timestamp). */
export const BODY_TS_FIELD = '_fw_body_ts'
/**
 * Pre-tokenized copies of the text fields (analysis `pretokenized` only): indexed, and kept in `_source` (where
 * reads drop them) because `_source.excludes` costs more at index time than it saves: Elasticsearch parses and
 * re-serialises each source to filter it and keeps the unfiltered one as `_recovery_source` as well.
 */
export const TOKENS_FIELD = '_fw_text'
export const ANALYZER = 'fw_unicode61'

/**
 * How text fields are analysed so that Elasticsearch finds exactly what SQLite FTS5's unicode61 finds:
 * - `native`: a custom analyzer (pattern tokenizer on non-letters/digits, lowercase, asciifolding).
 *   Needs the analysis-common module, which every Elasticsearch distribution has except the
 *   integ-test zip.
 * - `pretokenized`: flinkwatch tokenizes in process (`unicode61Tokens`) and indexes the tokens with
 *   the built-in whitespace analyzer in a hidden field. The original text is kept in `_source` but not
 *   indexed: analysing every line twice cost Elasticsearch a third more CPU per line, and only a
 *   stripped distribution (the integ-test zip) lacks the native analyzer.
 * Text is only ever matched as a filter, never scored, so no field keeps norms.
 */
export type TextAnalysis = 'native' | 'pretokenized'

/** The pattern tokenizer of the native analyzer (Java regex). */
export const TOKEN_SEPARATOR = '[^\\p{L}\\p{N}]+'

/** Tokens as FTS5 unicode61 makes them: runs of letters and digits, lowercased, diacritics removed. */
export function unicode61Tokens(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0)
}

export function textFieldKey(i: number): string {
  return `t${i}`
}

type Mapping = Record<string, unknown>

/** Puts a leaf mapping at a dotted path, building object mappings on the way. */
function setPath(root: Record<string, Mapping>, path: string, leaf: Mapping, collection: string): void {
  const parts = path.split('.')
  let props = root
  parts.forEach((part, i) => {
    const last = i === parts.length - 1
    const existing = props[part]
    if (last) {
      if (existing && 'properties' in existing) throw conflict(collection, path)
      if (existing && existing['type'] !== leaf['type']) throw conflict(collection, path)
      props[part] = leaf
      return
    }
    if (existing && !('properties' in existing)) throw conflict(collection, path)
    const obj = (existing ?? { properties: {} }) as { properties: Record<string, Mapping> }
    props[part] = obj
    props = obj.properties
  })
}

function conflict(collection: string, path: string): AppError {
  return new AppError('ERR_STORE', `collection ${collection}: field ${path} is declared twice or both as a value and as an object`, { retriable: false })
}

export function mappingsFor(spec: CollectionSpec, analysis: TextAnalysis): Mapping {
  const properties: Record<string, Mapping> = {}
  properties['@timestamp'] = { type: 'date', format: 'strict_date_optional_time||epoch_millis' }
  // Only ever a sort tiebreaker (search_after): doc values, no inverted index of a term unique to each document.
  properties[ID_FIELD] = { type: 'keyword', index: false }
  // Values too long for a keyword term are kept in the source but not indexed, instead of failing the document.
  for (const k of spec.keywords) setPath(properties, k, { type: 'keyword', ignore_above: 4096 }, spec.name)
  for (const n of spec.numbers ?? []) setPath(properties, n, { type: 'double', ignore_malformed: true }, spec.name)
  const text = spec.text ?? []
  const leaf: Mapping = analysis === 'native' ? { type: 'text', analyzer: ANALYZER, norms: false } : { type: 'text', index: false }
  for (const t of text) setPath(properties, t, leaf, spec.name)
  if (analysis === 'pretokenized' && text.length > 0) {
    properties[TOKENS_FIELD] = {
      properties: Object.fromEntries(text.map((_, i) => [textFieldKey(i), { type: 'text', analyzer: 'whitespace', norms: false }])),
    }
  }
  return { dynamic: false, properties }
}

export function settingsFor(spec: CollectionSpec, analysis: TextAnalysis, maxResultWindow: number): Mapping {
  const settings: Mapping = {
    // Single-node friendly; replicas can be raised per index by operators.
    number_of_shards: 1,
    auto_expand_replicas: '0-1',
    // A page is fetched with one extra document to know whether another page exists.
    max_result_window: maxResultWindow,
  }
  if (analysis === 'native' && (spec.text ?? []).length > 0) {
    settings['analysis'] = {
      tokenizer: { fw_unicode61_tokenizer: { type: 'pattern', pattern: TOKEN_SEPARATOR } },
      analyzer: { [ANALYZER]: { type: 'custom', tokenizer: 'fw_unicode61_tokenizer', filter: ['lowercase', 'asciifolding'] } },
    }
  }
  return settings
}
