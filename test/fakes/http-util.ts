/** Small pieces the YARN, Kubernetes and JobManager fakes share. */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { readFileSync } from 'node:fs'

export const FIXTURES = new URL('../fixtures/', import.meta.url).pathname

export function fixture<T = Record<string, unknown>>(rel: string): T {
  return JSON.parse(readFileSync(FIXTURES + rel, 'utf8')) as T
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(typeof body === 'string' ? body : JSON.stringify(body))
}

/** Forwards a request to a backend base URL, as a reverse proxy would (body, status and content type kept). */
export function forward(req: IncomingMessage, res: ServerResponse, target: string, body: string): void {
  const u = new URL(target)
  const out = httpRequest(
    { host: u.hostname, port: u.port, path: u.pathname + u.search, method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'application/json' } },
    (up) => {
      res.writeHead(up.statusCode ?? 502, { 'content-type': up.headers['content-type'] ?? 'application/json' })
      up.pipe(res)
    },
  )
  out.on('error', (err) => {
    // Both proxies answer an unreachable backend with a gateway error, not a hang.
    res.writeHead(502, { 'content-type': 'text/plain' })
    res.end(`proxy error: ${err.message}`)
  })
  out.end(body)
}

/** RFC 7386 JSON merge patch, as the API server applies application/merge-patch+json to custom resources. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {}
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

/** Listens on an ephemeral loopback port; returns the port. */
export async function listenLoopback(server: import('node:net').Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as import('node:net').AddressInfo).port
}

/** Closes a fake server, cutting keep-alive connections so tests do not wait for them. */
export async function closeServer(server: import('node:http').Server | undefined): Promise<void> {
  if (!server) return
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}
