/**
 * The methods each registered path answers, so a request for a known path with another method gets
 * 405 and an `Allow` header (RFC 9110 §15.5.6) instead of a 404 that says the path does not exist.
 * Patterns are Fastify's: `:param` is one segment, `*` the rest.
 */
export class RouteMethods {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = []
  private readonly byUrl = new Map<string, Set<string>>()

  add(method: string | readonly string[], url: string): void {
    let set = this.byUrl.get(url)
    if (!set) {
      set = new Set()
      this.byUrl.set(url, set)
      this.routes.push({ pattern: toRegExp(url), methods: set })
    }
    for (const m of typeof method === 'string' ? [method] : method) {
      set.add(m.toUpperCase())
      // Fastify answers HEAD for every GET route (exposeHeadRoutes).
      if (m.toUpperCase() === 'GET') set.add('HEAD')
    }
  }

  /** The methods some route answers on this path (no query string), sorted; empty when none matches. */
  allowed(path: string): string[] {
    const out = new Set<string>()
    for (const r of this.routes) if (r.pattern.test(path)) for (const m of r.methods) out.add(m)
    return [...out].sort()
  }
}

function toRegExp(url: string): RegExp {
  const parts = url.split('/').map((seg) => {
    if (seg === '*') return '.*'
    if (seg.startsWith(':')) return '[^/]+'
    return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\*$/, '.*')
  })
  return new RegExp(`^${parts.join('/')}$`)
}
