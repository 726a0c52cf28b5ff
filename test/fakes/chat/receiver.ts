/**
 * Shared base of the fake chat/SMS receivers: a local HTTP server that records every request,
 * counts arrivals in sliding windows the way the platform limits them, and lets each platform
 * file decide the reply (signature check, limit, error body). Time comes from `now` so unit tests
 * can use the fake clock.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  at: number
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  body: string
  json: unknown
}

export interface Reply {
  status: number
  body: unknown
  headers?: Record<string, string>
}

export interface Limit {
  limit: number
  ms: number
}

export abstract class FakeReceiver {
  /** Every request, accepted or not. */
  readonly requests: Received[] = []
  /** Requests the platform accepted (would show in the chat). */
  readonly delivered: Received[] = []
  throttled = 0
  rejected = 0
  url = ''
  /** Replace to answer every request with a fixed reply (retry-matrix tests). */
  override: ((r: Received) => Reply | undefined) | undefined
  private server: Server | undefined
  private readonly arrivals: number[] = []

  constructor(
    readonly limits: readonly Limit[],
    readonly now: () => number = Date.now,
  ) {}

  protected abstract handle(r: Received): Reply

  /** True (and counted) when one more arrival now would exceed a limit. */
  protected overLimit(at: number): boolean {
    const over = this.limits.some((l) => this.arrivals.filter((t) => at - t < l.ms).length >= l.limit)
    if (!over) this.arrivals.push(at)
    return over
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.onRequest(req, res))
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r))
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`
    return this
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()))
    this.server?.closeAllConnections()
  }

  /** All text the accepted messages carried (for "was this job named" checks). */
  deliveredText(): string {
    return this.delivered.map((d) => d.body).join('\n')
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const u = new URL(req.url ?? '/', 'http://x')
    let json: unknown = undefined
    try {
      json = JSON.parse(body)
    } catch {
      // Not JSON: the platform decides what that means.
    }
    const r: Received = { at: this.now(), path: u.pathname, query: u.searchParams, headers: req.headers, body, json }
    this.requests.push(r)
    const reply = this.override?.(r) ?? this.handle(r)
    res.writeHead(reply.status, { 'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json', ...reply.headers })
    res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body))
  }
}
