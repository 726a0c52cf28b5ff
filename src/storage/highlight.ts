import type { TextClause } from './store.js'

const MAX_FRAGMENT = 300

/**
 * Wraps matches of the query's terms and phrases in <em></em> and returns the fragment around the first one, as
 * Elasticsearch's highlighter does. The pattern is built once per query: compiling two Unicode regular
 * expressions for each of a page's hits was most of the search API's time over Elasticsearch's own.
 */
export function highlighter(clauses: readonly TextClause[]): ((text: string) => string | undefined) | undefined {
  const words = clauses
    .map((c) => c.value.trim())
    .map((w) => w.split(/[^\p{L}\p{N}]+/u).filter(Boolean).map(escapeRegExp).join('[^\\p{L}\\p{N}]+'))
    .filter(Boolean)
  if (words.length === 0) return undefined
  const pattern = new RegExp(words.map((w) => `(?<![\\p{L}\\p{N}])${w}(?![\\p{L}\\p{N}])`).join('|'), 'giu')
  return (text) => {
    if (text.length === 0) return undefined
    pattern.lastIndex = 0
    const first = pattern.exec(text)
    if (!first) return undefined
    const start = Math.max(0, first.index - 100)
    // replace() with a global pattern starts from the beginning whatever lastIndex is.
    return escapeHtml(text.slice(start, start + MAX_FRAGMENT)).replace(pattern, (m) => `<em>${m}</em>`)
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
