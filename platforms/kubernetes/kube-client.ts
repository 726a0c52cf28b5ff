/**
 * A minimal Kubernetes API client over the one HttpTransport (src/core/http/): custom CA and TLS
 * verification, bearer token from config, a token file re-read when it changes (projected
 * service-account tokens rotate), in-cluster defaults, request timeouts on the injected clock, watch
 * streams read line by line, and a transport with the same TLS and credentials so the shared Flink
 * REST client can go through the API server's service proxy.
 */
import { readFileSync } from 'node:fs'
import { stat, readFile } from 'node:fs/promises'
import { StringDecoder } from 'node:string_decoder'
import type { TSchema, Static } from '@sinclair/typebox'
import type { Clock, TimerHandle } from '../../src/core/clock.js'
import { ConfigError, UpstreamError, errorMessage } from '../../src/core/errors.js'
import { cancel, deadline, newCancel, type Cancel } from '../../src/core/http/cancel.js'
import { decodeJson, statusError } from '../../src/core/http/json.js'
import { classifyNetworkError } from '../../src/core/http/status.js'
import type { HeaderBag, HttpRequest, HttpTransport } from '../../src/core/http/transport.js'
import { createHttpTransport } from '../../src/core/http/undici-transport.js'

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'

export interface KubeClientOptions {
  url?: string
  inCluster?: boolean
  token?: string
  tokenFile?: string
  caFile?: string
  insecureSkipTlsVerify?: boolean
  timeoutMs: number
  clock: Clock
  /** Injectable for tests: environment and service-account directory of the in-cluster defaults. */
  env?: NodeJS.ProcessEnv
  serviceAccountDir?: string
}

export interface KubeResponse {
  status: number
  text: string
  headers: HeaderBag
}

export interface KubeRequest {
  method?: string
  body?: unknown
  contentType?: string
  headers?: Record<string, string>
  signal?: AbortSignal
}

/** A long-running GET whose body is read line by line (watch streams: one JSON event per line). */
export interface KubeStreamRequest {
  signal?: AbortSignal
  /**
   * Longest silence once the response started; then the stream is cut with a timeout error. The
   * connection itself (until the response headers) is bounded by the client's request timeout.
   */
  idleTimeoutMs: number
}

export interface KubeStreamResult {
  status: number
  /** The body of a non-2xx answer (a Status object); empty for a stream. */
  text: string
  /** True when the line reader asked to stop (the connection was closed by us, not by the server). */
  stopped: boolean
}

/** Return `false` to stop reading (the connection is closed). */
export type LineReader = (line: string) => boolean | void

export interface KubeClient {
  readonly baseUrl: string
  /** The pod's namespace when running in-cluster (serviceaccount/namespace), else null. */
  readonly ownNamespace: string | null
  request(path: string, r?: KubeRequest): Promise<KubeResponse>
  /** GET and decode a 2xx JSON body. */
  getJson<S extends TSchema>(path: string, schema: S, signal?: AbortSignal): Promise<Static<S>>
  /**
   * GET a streaming body and hand each complete line to `onLine` as it arrives. Resolves when the
   * server ends the stream or `onLine` returns false; rejects on transport errors, idle timeout and
   * abort. The socket never keeps the process alive on its own.
   */
  stream(path: string, onLine: LineReader, r: KubeStreamRequest): Promise<KubeStreamResult>
  /** The same TLS and credentials as a transport (for the Flink REST client through the service proxy). */
  readonly transport: HttpTransport
  close(): void
}

const UPSTREAM = 'Kubernetes API server'

export function createKubeClient(o: KubeClientOptions): KubeClient {
  const env = o.env ?? process.env
  const saDir = o.serviceAccountDir ?? SERVICE_ACCOUNT_DIR
  let baseUrl = o.url
  let tokenFile = o.tokenFile
  let caFile = o.caFile
  let ownNamespace: string | null = null
  if (o.inCluster) {
    const host = env['KUBERNETES_SERVICE_HOST']
    const port = env['KUBERNETES_SERVICE_PORT'] ?? '443'
    if (!baseUrl) {
      if (!host) throw new ConfigError(['inCluster is true but KUBERNETES_SERVICE_HOST is not set: flinkwatch is not running in a pod; set url (and token/caFile) instead'])
      baseUrl = `https://${host.includes(':') ? `[${host}]` : host}:${port}`
    }
    if (!o.token && !tokenFile) tokenFile = `${saDir}/token`
    caFile ??= `${saDir}/ca.crt`
    try {
      ownNamespace = readFileSync(`${saDir}/namespace`, 'utf8').trim() || null
    } catch {
      ownNamespace = null
    }
  }
  if (!baseUrl) throw new ConfigError(['kubernetes cluster: url is required unless inCluster is true'])
  baseUrl = baseUrl.replace(/\/+$/, '')
  const https = baseUrl.startsWith('https:')
  let ca: Buffer | undefined
  if (caFile && https) {
    try {
      ca = readFileSync(caFile)
    } catch (err) {
      throw new ConfigError([`cannot read the Kubernetes CA file ${caFile}: ${errorMessage(err)}`])
    }
  }
  const tls = { ...(ca ? { ca } : {}), ...(o.insecureSkipTlsVerify ? { rejectUnauthorized: false } : {}) }
  const http = createHttpTransport(tls)
  // Streams get their own connections, closed when they end, that never keep the process alive by
  // themselves (a watch may stay open for minutes); no real-clock body timeout: the idle timeout is ours.
  const streams = createHttpTransport({ ...tls, unref: true, bodyTimeoutMs: 0, headersTimeoutMs: 0 })

  // Token file: re-read when its mtime or size changes, and once more after a 401.
  let cachedToken: string | null = o.token ?? null
  let tokenStamp = ''
  const currentToken = async (force = false): Promise<string | null> => {
    if (!tokenFile) return cachedToken
    try {
      const st = await stat(tokenFile)
      const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`
      if (force || stamp !== tokenStamp || cachedToken === null) {
        cachedToken = (await readFile(tokenFile, 'utf8')).trim()
        tokenStamp = stamp
      }
      return cachedToken
    } catch (err) {
      throw new UpstreamError(UPSTREAM, baseUrl!, `cannot read the Kubernetes token file ${tokenFile}: ${errorMessage(err)}`, { retriable: true, cause: err })
    }
  }

  const withToken = (headers: Record<string, string>, token: string | null): Record<string, string> => (token ? { ...headers, authorization: `Bearer ${token}` } : headers)

  const unreachable = (url: string, err: unknown): UpstreamError => {
    const e = err as NodeJS.ErrnoException
    return new UpstreamError(UPSTREAM, url, `${UPSTREAM} unreachable: ${e.code ?? ''} ${errorMessage(err)}`.replace(/\s+/g, ' '), { retriable: classifyNetworkError(err).retriable, cause: err })
  }

  const once = async (url: string, r: KubeRequest, token: string | null): Promise<KubeResponse> => {
    const headers: Record<string, string> = withToken({ accept: 'application/json', ...r.headers }, token)
    let body: string | undefined
    if (r.body !== undefined) {
      body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body)
      headers['content-type'] = r.contentType ?? 'application/json'
    }
    const d = deadline(o.clock, o.timeoutMs, r.signal)
    try {
      const res = await http.request({ url, method: r.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) }, d.cancel)
      return { status: res.status, text: res.text, headers: res.headers }
    } catch (err) {
      if (d.timedOut()) throw new UpstreamError(UPSTREAM, url, `${UPSTREAM} did not answer ${r.method ?? 'GET'} ${new URL(url).pathname} within ${o.timeoutMs} ms`, { code: 'ERR_UPSTREAM_TIMEOUT', cause: err })
      if (r.signal?.aborted) throw r.signal.reason instanceof Error ? r.signal.reason : err
      throw unreachable(url, err)
    } finally {
      d.done()
    }
  }

  const request = async (path: string, r: KubeRequest = {}): Promise<KubeResponse> => {
    const url = path.startsWith('http') ? path : baseUrl + path
    const res = await once(url, r, await currentToken())
    if (res.status === 401 && tokenFile) {
      // The token may have rotated between our stat and the server's check: read it again once.
      return once(url, r, await currentToken(true))
    }
    return res
  }

  const streamOnce = async (url: string, onLine: LineReader, r: KubeStreamRequest, token: string | null): Promise<KubeStreamResult> => {
    const path = new URL(url).pathname
    const c: Cancel = newCancel()
    let phase: 'connect' | 'idle' = 'connect'
    let timer: TimerHandle | null = null
    const TIMED_OUT = new Error('timed out')
    const arm = (ms: number): void => {
      if (timer) o.clock.clearTimeout(timer)
      timer = o.clock.setTimeout(() => cancel(c, TIMED_OUT), ms)
    }
    const onAbort = (): void => cancel(c, r.signal?.reason instanceof Error ? r.signal.reason : new Error('aborted'))
    if (r.signal?.aborted) onAbort()
    else r.signal?.addEventListener('abort', onAbort, { once: true })
    arm(o.timeoutMs)
    const decoder = new StringDecoder('utf8')
    let partial = ''
    let stopped = false
    try {
      const res = await streams.stream(
        { url, headers: withToken({ accept: 'application/json' }, token), closeAfter: true },
        {
          onHeaders(status) {
            // An error answer is a small Status object: read it whole, under the connect timeout.
            if (status < 200 || status > 299) return
            phase = 'idle'
            arm(r.idleTimeoutMs)
          },
          onData(chunk) {
            arm(r.idleTimeoutMs)
            const lines = (partial + decoder.write(chunk)).split('\n')
            partial = lines.pop() ?? ''
            for (const line of lines) {
              if (line.trim() === '') continue
              if (onLine(line) === false) {
                stopped = true
                return false
              }
            }
            return true
          },
        },
        c,
      )
      if (res.status < 200 || res.status > 299) return { status: res.status, text: res.text, stopped: false }
      if (!stopped) {
        const rest = (partial + decoder.end()).trim()
        if (rest && onLine(rest) === false) stopped = true
      }
      return { status: res.status, text: '', stopped: stopped || res.stopped }
    } catch (err) {
      if (c.reason === TIMED_OUT) {
        const what = phase === 'connect' ? `did not answer GET ${path} within ${o.timeoutMs} ms` : `sent nothing on the stream ${path} for ${r.idleTimeoutMs} ms`
        throw new UpstreamError(UPSTREAM, url, `${UPSTREAM} ${what}`, { code: 'ERR_UPSTREAM_TIMEOUT' })
      }
      if (r.signal?.aborted) throw r.signal.reason instanceof Error ? r.signal.reason : new Error('aborted')
      throw unreachable(url, err)
    } finally {
      if (timer) o.clock.clearTimeout(timer)
      r.signal?.removeEventListener('abort', onAbort)
    }
  }

  const stream = async (path: string, onLine: LineReader, r: KubeStreamRequest): Promise<KubeStreamResult> => {
    const url = baseUrl + path
    const res = await streamOnce(url, onLine, r, await currentToken())
    if (res.status === 401 && tokenFile) return streamOnce(url, onLine, r, await currentToken(true))
    return res
  }

  // The Flink REST client through the service proxy: the API server's TLS, and its token (re-read after a 401).
  const proxyTransport: HttpTransport = {
    async request(req: HttpRequest, c?: Cancel) {
      const send = async (force: boolean) => http.request({ ...req, headers: withToken(req.headers ?? {}, await currentToken(force)) }, c)
      const res = await send(false)
      return res.status === 401 && tokenFile ? send(true) : res
    },
    stream: (req, sink, c) => http.stream(req, sink, c),
    close: async () => {},
  }

  return {
    baseUrl,
    ownNamespace,
    request,
    async getJson(path, schema, signal) {
      const res = await request(path, { signal })
      const url = baseUrl + path
      if (res.status < 200 || res.status > 299) throw statusError(UPSTREAM, url, res)
      return decodeJson(UPSTREAM, url, res.text, schema)
    },
    stream,
    transport: proxyTransport,
    close() {
      void http.close()
      void streams.close()
    },
  }
}
