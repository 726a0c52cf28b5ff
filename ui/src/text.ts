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

/** `text` cut into plain and matching parts (case-insensitive, longest term first); joined, the parts are `text`. */
export function splitByTerms(text: string, terms: readonly string[]): Part[] {
  const list = [...new Set(terms.filter((t) => t.length > 0))].sort((a, b) => b.length - a.length)
  if (list.length === 0) return [{ text, hit: false }]
  const re = new RegExp(`(${list.map(escapeRegExp).join('|')})`, 'giu')
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
