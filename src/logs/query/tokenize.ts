/**
 * Word splitting equivalent to SQLite FTS5's unicode61 tokenizer (and the Elasticsearch analyzer configured to
 * match it): case-folded, diacritics removed, letters and digits form tokens, everything else separates them.
 */
export function tokenize(text: string): string[] {
  return fold(text).split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 0)
}

export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase()
}
