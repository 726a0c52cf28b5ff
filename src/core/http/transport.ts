/**
 * The one HTTP seam. Every upstream call (Flink REST reads and writes, YARN RM, Kubernetes API server and
 * its watches, chat and SMS channels) goes through an `HttpTransport`; `createHttpTransport()`
 * (undici-transport.ts) is the implementation, `fetchTransport()` adapts a fetch function (tests that
 * script a peer). A transport resolves with any HTTP status: what a status means is decided once, in
 * status.ts; timeouts on the injected clock come from `deadline()` (cancel.ts).
 */
import type { Cancel } from './cancel.js'
import { cancelError } from './cancel.js'

export interface HttpRequest {
  /** Absolute URL (credentials in it become basic auth). */
  url: string
  /** Default GET. */
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array | FormData
  /** Close the connection afterwards instead of returning it to the pool (long-lived streams). */
  closeAfter?: boolean
}

/** Response headers, read on demand (most callers never look). */
export interface HeaderBag {
  get(name: string): string | null
}

export interface HttpResponse {
  status: number
  text: string
  headers: HeaderBag
}

export interface StreamSink {
  /** Called with the status once the headers are in. */
  onHeaders?(status: number): void
  /** A chunk of a 2xx body; return false to stop reading (the connection is closed). */
  onData(chunk: Buffer): boolean | void
}

export interface StreamResult extends HttpResponse {
  /** True when the sink asked to stop (the connection was closed by us, not by the server). */
  stopped: boolean
}

export interface HttpTransport {
  /** One request, the body read whole. Rejects on network failure and when `cancel` fires. */
  request(req: HttpRequest, cancel?: Cancel): Promise<HttpResponse>
  /** A 2xx body handed to `sink` as it arrives (watch streams); other bodies are read whole into `text`. */
  stream(req: HttpRequest, sink: StreamSink, cancel?: Cancel): Promise<StreamResult>
  /** Closes the pooled connections (in-flight requests fail). */
  close(): Promise<void>
}

/** What tests and embedders may pass instead of a transport. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>

/** An HttpTransport over a fetch function: scripted peers in tests; no pooling or TLS options of its own. */
export function fetchTransport(f: FetchLike): HttpTransport {
  const send = async (req: HttpRequest, c: Cancel | undefined): Promise<Response> => {
    if (c?.reason !== undefined) throw cancelError(c.reason)
    const ac = new AbortController()
    if (c) c.hook = (reason) => ac.abort(cancelError(reason))
    try {
      return await f(req.url, { method: req.method ?? 'GET', headers: req.headers ?? {}, ...(req.body !== undefined ? { body: req.body as NonNullable<RequestInit['body']> } : {}), signal: ac.signal })
    } catch (err) {
      if (c) c.hook = null
      throw err
    }
  }
  return {
    async request(req, c) {
      const res = await send(req, c)
      try {
        return { status: res.status, text: await res.text(), headers: res.headers }
      } finally {
        if (c) c.hook = null
      }
    },
    async stream(req, sink, c) {
      const res = await send(req, c)
      try {
        sink.onHeaders?.(res.status)
        if (res.status < 200 || res.status > 299 || !res.body) return { status: res.status, text: await res.text(), headers: res.headers, stopped: false }
        const reader = res.body.getReader()
        for (;;) {
          const { done, value } = await reader.read()
          if (done) return { status: res.status, text: '', headers: res.headers, stopped: false }
          if (sink.onData(Buffer.from(value)) === false) {
            await reader.cancel().catch(() => undefined)
            return { status: res.status, text: '', headers: res.headers, stopped: true }
          }
        }
      } finally {
        if (c) c.hook = null
      }
    },
    close: async () => {},
  }
}
