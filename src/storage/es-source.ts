/**
 * The one encoder of a stored document's Elasticsearch `_source`. `@timestamp` holds epoch milliseconds (range
 * queries and daily indices use it), then the id, the body's own `@timestamp` kept aside, the pretokenized text
 * fields when the server has no analysis-common (es-mapping.ts), then the rest of the body. ElasticsearchStore
 * writes `sourceFor` (bulk and index), EsBulkWriter writes `encodeSource`, and the log fast path
 * (src/logs/bulk-source.ts) writes its head through `sourceHead`: one layout, which ElasticsearchStore reads back.
 */
import { BODY_TS_FIELD, ID_FIELD, TOKENS_FIELD, textFieldKey, unicode61Tokens, type TextAnalysis } from './es-mapping.js'
import { getPath, type CollectionSpec, type NewDoc } from './store.js'

const TS_HEAD = '{"@timestamp":'
const ID_KEY = `,"${ID_FIELD}":`
const BODY_TS_KEY = `,"${BODY_TS_FIELD}":`
const TOKENS_HEAD = `,"${TOKENS_FIELD}":{`
const TOKEN_KEYS = Array.from({ length: 8 }, (_, i) => `"${textFieldKey(i)}":"`)

/** The text fields a collection stores pretokenized under this analysis (none when Elasticsearch analyses). */
export function sourceTextFields(spec: CollectionSpec, analysis: TextAnalysis): readonly string[] {
  return analysis === 'pretokenized' ? (spec.text ?? []) : []
}

/**
 * The opening of a `_source`, up to and without the body's members and the closing brace. `bodyTsJson` is the
 * body's `@timestamp` already JSON-encoded; `tokens` are token texts (letters, digits and spaces: never escaped),
 * one per text field in the collection's order, or null when the collection stores none.
 */
export function sourceHead(timestamp: number, id: string, bodyTsJson: string | undefined, tokens: readonly string[] | null): string {
  let s = `${TS_HEAD}${Math.trunc(timestamp)}${ID_KEY}${JSON.stringify(id)}`
  if (bodyTsJson !== undefined) s += `${BODY_TS_KEY}${bodyTsJson}`
  if (tokens !== null && tokens.length > 0) {
    s += TOKENS_HEAD
    for (let i = 0; i < tokens.length; i++) s += `${i > 0 ? ',' : ''}${TOKEN_KEYS[i] ?? `"${textFieldKey(i)}":"`}${tokens[i]}"`
    s += '}'
  }
  return s
}

/** The `_source` of any document, as JSON text, with `textFields` pretokenized. */
export function encodeSource(d: NewDoc, textFields: readonly string[]): string {
  const body = d.body
  const bodyTs = body['@timestamp']
  const tokens = textFields.length > 0 ? textFields.map((p) => unicode61Tokens(textOf(getPath(body, p))).join(' ')) : null
  const head = sourceHead(d.timestamp, d.id, bodyTs === undefined ? undefined : JSON.stringify(bodyTs), tokens)
  // toDocument puts the ISO `@timestamp` first: serialise the body once and cut that member off, instead of
  // copying the body without it. (A key may appear only once in a source.)
  if (typeof bodyTs === 'string' && !(ID_FIELD in body) && !(BODY_TS_FIELD in body) && !(TOKENS_FIELD in body)) {
    const json = JSON.stringify(body)
    const lead = `{"@timestamp":${JSON.stringify(bodyTs)}`
    if (json.startsWith(lead)) return head + json.slice(lead.length)
  }
  const { '@timestamp': _bodyTs, [ID_FIELD]: _id, [BODY_TS_FIELD]: _ts, [TOKENS_FIELD]: _tokens, ...rest } = body
  const json = JSON.stringify(rest)
  return json === '{}' ? `${head}}` : `${head},${json.slice(1)}`
}

/** What ElasticsearchStore stores for a document of this collection. */
export function sourceFor(spec: CollectionSpec, analysis: TextAnalysis, d: NewDoc): string {
  return encodeSource(d, sourceTextFields(spec, analysis))
}

function textOf(v: unknown): string {
  if (typeof v === 'string') return v
  if (v === undefined || v === null) return ''
  return String(v)
}
