/**
 * The browser console (issue 13): the built single-page app in `dist/ui/` served on the API's port.
 * `/` and the console's own routes answer `index.html` (the app reads the view from the URL), hashed files
 * under `/assets/` come from disk with a long cache. The shell holds no data, so it is open; every `/api/*`
 * read behind it still needs a token. When the UI is not built, `/` says so in a 503 instead of a 404.
 */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import fastifyStatic from '@fastify/static'

/** No inline script or style, nothing from elsewhere, no framing: what the console needs and no more. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ')

/** Paths the single-page app routes itself (every view's state is in its query string). */
export const CONSOLE_ROUTES = ['/', '/jobs/:cluster/:jobId', '/logs', '/alerts'] as const

export const NOT_BUILT = 'console not built: run npm run build\n'

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
}

/** Serves `dir` (the Vite output: index.html and assets/). */
export function consoleRoutes(dir: string): FastifyPluginAsync {
  return async (app) => {
    const indexPath = join(dir, 'index.html')
    // Read once per change of the file (a rebuild while the service runs is picked up), not per request.
    let cached: { mtimeMs: number; body: Buffer } | null = null
    const index = async (): Promise<Buffer | null> => {
      try {
        const s = await stat(indexPath)
        if (!cached || cached.mtimeMs !== s.mtimeMs) cached = { mtimeMs: s.mtimeMs, body: await readFile(indexPath) }
        return cached.body
      } catch {
        cached = null
        return null
      }
    }
    for (const url of CONSOLE_ROUTES) {
      app.get(url, { schema: { hide: true } }, async (_req, reply) => {
        const body = await index()
        if (!body) return reply.status(503).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT)
        // no-cache: the shell names the current hashed bundles, so it is revalidated on every load.
        return securityHeaders(reply).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(body)
      })
    }
    await app.register(fastifyStatic, {
      root: join(dir, 'assets'),
      prefix: '/assets/',
      // Vite names assets by content hash: a name never changes meaning.
      maxAge: 365 * 24 * 3600 * 1000,
      immutable: true,
      index: false,
      // The build writes .br and .gz beside each asset (ui/vite.config.ts); served when the browser accepts them.
      preCompressed: true,
      dotfiles: 'deny',
      decorateReply: false,
      setHeaders: (res) => {
        res.setHeader('x-content-type-options', 'nosniff')
      },
    })
  }
}
