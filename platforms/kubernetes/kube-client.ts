/**
 * A minimal Kubernetes API client over node:https (custom CA without undici): bearer token from config,
 * a token file re-read when it changes (projected service-account tokens rotate), in-cluster defaults,
 * request timeouts on the injected clock, and a fetch-compatible transport so the shared Flink REST
 * client can go through the API server's service proxy with the same TLS and credentials.
 */
import { readFileSync } from 'node:fs'
import { stat, readFile } from 'node:fs/promises'
import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { StringDecoder } from 'node:string_decoder'
import type { TSchema, Static } from '@sinclair/typebox'
import type { Clock, TimerHandle } from '../../src/core/clock.js'
import { ConfigError, UpstreamError, errorMessage } from '../../src/core/errors.js'
import { decodeJson, statusError, type FetchLike } from '../../src/core/http-json.js'

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
  headers: Record<string, string | string[] | undefined>
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
  /** fetch over the same TLS and credentials (for the Flink REST client through the service proxy). */
  readonly fetch: FetchLike
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
  const agent = https ? new HttpsAgent({ keepAlive: true, ca, rejectUnauthorized: !o.insecureSkipTlsVerify }) : new HttpAgent({ keepAlive: true })
  // Streams get their own connections (closed when they end), so an unref'd watch socket never goes
  // back to the pool of ordinary requests.
  const streamAgent = https ? new HttpsAgent({ keepAlive: false, ca, rejectUnauthorized: !o.insecureSkipTlsVerify }) : new HttpAgent({ keepAlive: false })

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

  const once = (url: string, r: KubeRequest, token: string | null): Promise<KubeResponse> =>
    new Promise((resolve, reject) => {
      const u = new URL(url)
      const headers: Record<string, string> = { accept: 'application/json', ...r.headers }
      if (token) headers['authorization'] = `Bearer ${token}`
      let body: string | undefined
      if (r.body !== undefined) {
        body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body)
        headers['content-type'] = r.contentType ?? 'application/json'
        headers['content-length'] = String(Buffer.byteLength(body))
      }
      let timedOut = false
      const req = (https ? httpsRequest : httpRequest)({ host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port || (https ? 443 : 80), path: u.pathname + u.search, method: r.method ?? 'GET', headers, agent }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }))
        res.on('error', reject)
      })
      const timer = o.clock.setTimeout(() => {
        timedOut = true
        req.destroy(new Error('timeout'))
      }, o.timeoutMs)
      const onAbort = (): void => void req.destroy(r.signal?.reason instanceof Error ? r.signal.reason : new Error('aborted'))
      if (r.signal?.aborted) onAbort()
      else r.signal?.addEventListener('abort', onAbort, { once: true })
      req.on('close', () => {
        o.clock.clearTimeout(timer)
        r.signal?.removeEventListener('abort', onAbort)
      })
      req.on('error', (err) => {
        if (timedOut) reject(new UpstreamError(UPSTREAM, url, `${UPSTREAM} did not answer ${r.method ?? 'GET'} ${u.pathname} within ${o.timeoutMs} ms`, { code: 'ERR_UPSTREAM_TIMEOUT', cause: err }))
        else if (r.signal?.aborted) reject(r.signal.reason instanceof Error ? r.signal.reason : err)
        else reject(new UpstreamError(UPSTREAM, url, `${UPSTREAM} unreachable: ${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.replace(/\s+/g, ' '), { cause: err }))
      })
      req.end(body)
    })

  const request = async (path: string, r: KubeRequest = {}): Promise<KubeResponse> => {
    const url = path.startsWith('http') ? path : baseUrl + path
    const res = await once(url, r, await currentToken())
    if (res.status === 401 && tokenFile) {
      // The token may have rotated between our stat and the server's check: read it again once.
      return once(url, r, await currentToken(true))
    }
    return res
  }

  const streamOnce = (url: string, onLine: LineReader, r: KubeStreamRequest, token: string | null): Promise<KubeStreamResult> =>
    new Promise((resolve, reject) => {
      const u = new URL(url)
      const headers: Record<string, string> = { accept: 'application/json' }
      if (token) headers['authorization'] = `Bearer ${token}`
      let settled = false
      let phase: 'connect' | 'idle' = 'connect'
      let stopped = false
      let timer: TimerHandle | null = null
      const finish = (fn: () => void): void => {
        if (settled) return
        settled = true
        if (timer) o.clock.clearTimeout(timer)
        r.signal?.removeEventListener('abort', onAbort)
        fn()
      }
      const arm = (ms: number): void => {
        if (timer) o.clock.clearTimeout(timer)
        timer = o.clock.setTimeout(() => {
          const what = phase === 'connect' ? `did not answer GET ${u.pathname} within ${o.timeoutMs} ms` : `sent nothing on the stream ${u.pathname} for ${r.idleTimeoutMs} ms`
          req.destroy()
          finish(() => reject(new UpstreamError(UPSTREAM, url, `${UPSTREAM} ${what}`, { code: 'ERR_UPSTREAM_TIMEOUT' })))
        }, ms)
      }
      const req = (https ? httpsRequest : httpRequest)({ host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port || (https ? 443 : 80), path: u.pathname + u.search, method: 'GET', headers, agent: streamAgent }, (res) => {
        const status = res.statusCode ?? 0
        if (status < 200 || status > 299) {
          // An error answer is a small Status object: read it whole, under the connect timeout.
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => finish(() => resolve({ status, text: Buffer.concat(chunks).toString('utf8'), stopped: false })))
          res.on('error', (err) => finish(() => reject(transportError(url, err))))
          return
        }
        phase = 'idle'
        arm(r.idleTimeoutMs)
        const decoder = new StringDecoder('utf8')
        let partial = ''
        res.on('data', (c: Buffer) => {
          if (settled) return
          arm(r.idleTimeoutMs)
          const lines = (partial + decoder.write(c)).split('\n')
          partial = lines.pop() ?? ''
          for (const line of lines) {
            if (line.trim() === '') continue
            if (onLine(line) === false) {
              stopped = true
              req.destroy()
              finish(() => resolve({ status, text: '', stopped: true }))
              return
            }
          }
        })
        res.on('end', () => {
          const rest = (partial + decoder.end()).trim()
          if (rest && !settled && onLine(rest) === false) stopped = true
          finish(() => resolve({ status, text: '', stopped }))
        })
        res.on('error', (err) => finish(() => reject(transportError(url, err))))
        res.on('close', () => finish(() => reject(transportError(url, new Error('the stream was cut before it ended')))))
      })
      req.on('error', (err) => finish(() => reject(transportError(url, err))))
      // A watch may stay open for minutes: it must never keep the process alive by itself.
      req.on('socket', (socket) => socket.unref())
      const onAbort = (): void => {
        finish(() => reject(r.signal?.reason instanceof Error ? r.signal.reason : new Error('aborted')))
        req.destroy()
      }
      if (r.signal?.aborted) return onAbort()
      r.signal?.addEventListener('abort', onAbort, { once: true })
      arm(o.timeoutMs)
      req.end()
    })

  const transportError = (url: string, err: Error): UpstreamError =>
    new UpstreamError(UPSTREAM, url, `${UPSTREAM} unreachable: ${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.replace(/\s+/g, ' '), { cause: err })

  const stream = async (path: string, onLine: LineReader, r: KubeStreamRequest): Promise<KubeStreamResult> => {
    const url = baseUrl + path
    const res = await streamOnce(url, onLine, r, await currentToken())
    if (res.status === 401 && tokenFile) return streamOnce(url, onLine, r, await currentToken(true))
    return res
  }

  const fetchLike: FetchLike = async (url, init) => {
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((v, k) => void (headers[k] = v))
    const res = await request(url, { method: init.method ?? 'GET', headers, signal: init.signal ?? undefined, ...(typeof init.body === 'string' ? { body: init.body, contentType: headers['content-type'] } : {}) })
    const nullBody = res.status === 204 || res.status === 205 || res.status === 304
    const h = new Headers()
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v)
    return new Response(nullBody ? null : res.text, { status: res.status, headers: h })
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
    fetch: fetchLike,
    close() {
      agent.destroy()
      streamAgent.destroy()
    },
  }
}
