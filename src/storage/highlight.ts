import type { TextClause } from './store.js'

const MAX_FRAGMENT = 300

/**
 * Wraps matches of the query's terms and phrases in <em></em> and returns the
 * fragment around the first one, as Elasticsearch's highlighter does.
 */
export function highlightText(text: string, clauses: readonly TextClause[]): string | undefined {
  const words = clauses.map((c) => c.value.trim()).filter((w) => w.length > 0)
  if (words.length === 0 || text.length === 0) return undefined
  const pattern = new RegExp(
    words
      .map((w) => w.split(/[^\p{L}\p{N}]+/u).filter(Boolean).map(escapeRegExp).join('[^\\p{L}\\p{N}]+'))
      .filter(Boolean)
      .map((w) => `(?<![\\p{L}\\p{N}])${w}(?![\\p{L}\\p{N}])`)
      .join('|'),
    'giu',
  )
  const first = pattern.exec(text)
  if (!first) return undefined
  const start = Math.max(0, first.index - 100)
  const fragment = text.slice(start, start + MAX_FRAGMENT)
  pattern.lastIndex = 0
  return escapeHtml(fragment).replace(new RegExp(pattern.source, 'giu'), (m) => `<em>${m}</em>`)
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
