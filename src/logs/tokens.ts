import { unicode61Tokens } from '../storage/es-mapping.js'

const NON_ASCII = /[^\x00-\x7f]/
const ASCII_SEPARATORS = /[^a-z0-9]+/g

/**
 * `unicode61Tokens(text).join(' ')` (the pretokenized Elasticsearch field), with a fast path for ASCII text,
 * which is nearly every log line: there NFKD and mark removal change nothing and the letters and digits are
 * exactly [a-z0-9] after lowercasing, so one replace does what normalize + split + filter + join do.
 */
export function tokenText(text: string): string {
  if (NON_ASCII.test(text)) return unicode61Tokens(text).join(' ')
  return text.toLowerCase().replace(ASCII_SEPARATORS, ' ').trim()
}
