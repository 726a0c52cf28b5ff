/** Plain-text helpers for highlighting: no HTML is parsed or produced here, only strings split into parts. */

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Terms the server marked in its highlight fragment (`<em>…</em>`), read as plain text. */
export function highlightTerms(fragment: string | null): string[] {
  if (!fragment) return []
  const out = new Set<string>()
  for (const m of fragment.matchAll(/<em>(.*?)<\/em>/gs)) if (m[1] && m[1].trim()) out.add(m[1].trim())
  return [...out]
}

export interface Part {
  text: string
  hit: boolean
}

/**
 * `text` cut into plain and matching parts (case-insensitive, whole words as the search tokenizes them, the
 * longest term first); joined, the parts are `text`. "tok" marks `tok` in `tok-1`, not in `token`.
 */
export function splitByTerms(text: string, terms: readonly string[]): Part[] {
  const list = [...new Set(terms.filter((t) => t.length > 0))].sort((a, b) => b.length - a.length)
  if (list.length === 0) return [{ text, hit: false }]
  const word = /^[\p{L}\p{N}]/u
  const wordEnd = /[\p{L}\p{N}]$/u
  // Word edges of a term must not continue into more letters or digits; other edges (=, <, …) need no check.
  const pattern = list.map((t) => `${word.test(t) ? '(?<![\\p{L}\\p{N}])' : ''}${escapeRegExp(t)}${wordEnd.test(t) ? '(?![\\p{L}\\p{N}])' : ''}`).join('|')
  const re = new RegExp(`(${pattern})`, 'giu')
  return text
    .split(re)
    .map((p, i) => ({ text: p, hit: i % 2 === 1 }))
    .filter((p) => p.text.length > 0)
}

/** Plain words and phrases of a log query (no field:value, no exclusions), for highlighting live lines. */
export function queryWords(q: string): string[] {
  const out: string[] = []
  for (const m of q.matchAll(/(-?)(?:(\w+):)?(?:"([^"]*)"|(\S+))/g)) {
    if (m[1] || m[2]) continue
    const w = m[3] ?? m[4]
    if (w) out.push(w)
  }
  return out
}
