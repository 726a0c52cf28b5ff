/**
 * A Kubernetes API server fake over HTTPS (test CA in test/fixtures/k8s/tls) for the paths of
 * ../shared/reference/flink-apis.md §4: Flink operator CR lists/get/merge-patch, pods by label
 * selector, events by field selector, and the service proxy
 * `/api/v1/namespaces/<ns>/services/<name>-rest:rest/proxy/…`, which forwards to the cluster's
 * JobManager. Bearer tokens are checked (rotation tests swap the accepted set); every request is recorded.
 *
 * Pod watches (`?watch=true`, §4.4) stream JSON lines `{type, object}` like the real server: events
 * after the requested resourceVersion are replayed from a history (a watch cache), then new ones are
 * pushed by `podEvent()`; `allowWatchBookmarks=true` watches get `bookmark()`s; a resourceVersion older
 * than `compactedBelow` is answered 410 Gone, as an ERROR event (the watch cache's way) or as an HTTP
 * 410 Status; `watchAnswers` and `cutWatches()`/`sendToWatches()` make watches fail.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FakeJobManager } from './flink-jobmanager.js'
import { FIXTURES, forward, mergePatch, readBody, sendJson, closeServer, listenLoopback } from './http-util.js'

export type KubeObject = Record<string, unknown> & { metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; labels?: Record<string, string> } }

export interface KubeCall {
  method: string
  path: string
  contentType: string | undefined
  authorization: string | undefined
  body: string
}

const PLURALS = ['flinkdeployments', 'flinksessionjobs', 'flinkstatesnapshots'] as const
export type Plural = (typeof PLURALS)[number]

export const TEST_CA = `${FIXTURES}k8s/tls/ca.crt`

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED'

interface Watcher {
  res: ServerResponse
  ns: string | undefined
  selector: ((labels: Record<string, string>) => boolean)[]
  bookmarks: boolean
}

export class FakeKubeApiServer {
  readonly objects: Record<Plural | 'pods' | 'events', KubeObject[]> = { flinkdeployments: [], flinksessionjobs: [], flinkstatesnapshots: [], pods: [], events: [] }
  /** Flink REST backends by "<namespace>/<cluster-id>" (served as service <cluster-id>-rest). */
  readonly jobManagers = new Map<string, FakeJobManager>()
  readonly calls: KubeCall[] = []
  /** Accepted bearer tokens; empty = no authentication. */
  readonly tokens = new Set<string>()
  /** False = the operator CRDs are not installed (flink.apache.org paths 404). */
  crdsInstalled = true
  /** False = an operator before 1.10: no FlinkStateSnapshot CRD (its paths 404). */
  stateSnapshotCrdInstalled = true
  /** Raw answers by path (without query), for malformed-payload tests. */
  readonly overrides = new Map<string, { status: number; body: string }>()
  /** Plays the Flink operator: called after a merge patch of a custom resource is applied (it may change `status`). */
  onPatch: ((plural: Plural, obj: KubeObject, patch: unknown) => void) | null = null
  url = ''
  /** Pod events with their resourceVersion, oldest first (what a watch from an older version replays). */
  readonly podHistory: { rv: number; type: WatchEventType; object: KubeObject }[] = []
  /** Watches asking for a resourceVersion below this get 410 Gone. */
  compactedBelow = 0
  /** How 410 Gone is told: an ERROR event in a 200 stream (watch cache) or an HTTP 410 answer. */
  goneAs: 'event' | 'http' = 'event'
  /** Answers for the next watch requests, in order (e.g. a 500), before any streaming. */
  readonly watchAnswers: { status: number; body: unknown }[] = []
  /** Watch requests received so far. */
  watchRequests = 0
  private readonly watchers = new Set<Watcher>()
  private readonly emitter = new EventEmitter()
  private server: Server | undefined
  private rv = 1000

  get resourceVersion(): number {
    return this.rv
  }

  /** Open watch streams. */
  get openWatches(): number {
    return this.watchers.size
  }

  /** Resolves once `n` watch requests in total have been received and answered (streams opened). */
  waitForWatches(n: number): Promise<void> {
    if (this.watchRequests >= n) return Promise.resolve()
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.watchRequests < n) return
        this.emitter.off('watch', check)
        resolve()
      }
      this.emitter.on('watch', check)
    })
  }

  /** Applies a pod change as the API server would (new resourceVersion) and streams it to the watches. */
  podEvent(type: WatchEventType, pod: KubeObject): KubeObject {
    const rv = ++this.rv
    const object = { ...pod, metadata: { ...pod.metadata, resourceVersion: String(rv) } } as KubeObject
    const key = (o: KubeObject): string => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`
    const i = this.objects.pods.findIndex((o) => key(o) === key(object))
    if (type === 'DELETED') {
      if (i >= 0) this.objects.pods.splice(i, 1)
    } else if (i >= 0) this.objects.pods[i] = object
    else this.objects.pods.push(object)
    this.podHistory.push({ rv, type, object })
    for (const w of this.watchers) if (matches(object, w.ns, w.selector)) writeLine(w.res, { type, object })
    return object
  }

  /**
   * Compaction: events so far leave the watch history; a watch from an older resourceVersion gets 410
   * Gone, and lists answer a newer resourceVersion (watchable again).
   */
  compact(): void {
    this.compactedBelow = ++this.rv
    this.podHistory.splice(0)
  }

  /** A BOOKMARK at the current resourceVersion to every watch that allowed bookmarks. */
  bookmark(): void {
    for (const w of this.watchers) if (w.bookmarks) writeLine(w.res, { type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) } } })
  }

  /** Writes a raw line (garbage, an ERROR event …) to every open watch. */
  sendToWatches(line: string): void {
    for (const w of this.watchers) w.res.write(line.endsWith('\n') ? line : `${line}\n`)
  }

  /** Breaks every open watch connection mid-stream (no clean end of the chunked body). */
  cutWatches(): void {
    for (const w of this.watchers) w.res.socket?.destroy()
    this.watchers.clear()
  }

  /** Ends every open watch cleanly, as the server does after timeoutSeconds. */
  endWatches(): void {
    for (const w of this.watchers) w.res.end()
    this.watchers.clear()
  }

  async start(): Promise<this> {
    const tls = `${FIXTURES}k8s/tls/`
    this.server = createServer({ key: readFileSync(`${tls}server.key`), cert: readFileSync(`${tls}server.crt`) }, (req, res) => void this.onRequest(req, res))
    this.url = `https://127.0.0.1:${await listenLoopback(this.server)}`
    return this
  }

  async close(): Promise<void> {
    const s = this.server
    this.server = undefined
    await closeServer(s)
  }

  add(kind: Plural | 'pods' | 'events', obj: KubeObject): KubeObject {
    this.objects[kind].push(obj)
    return obj
  }

  get(kind: Plural, namespace: string, name: string): KubeObject | undefined {
    return this.objects[kind].find((o) => o.metadata.name === name && (o.metadata.namespace ?? 'default') === namespace)
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    const url = new URL(req.url ?? '/', 'https://kube')
    const method = req.method ?? 'GET'
    this.calls.push({ method, path: url.pathname + url.search, contentType: req.headers['content-type'], authorization: req.headers.authorization, body })
    if (this.tokens.size > 0) {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
      if (!token || !this.tokens.has(token)) return sendJson(res, 401, status(401, 'Unauthorized', 'Unauthorized'))
    }
    const o = this.overrides.get(url.pathname)
    if (o) return sendJson(res, o.status, o.body)

    const proxy = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/:]+):([^/]+)\/proxy(\/.*)?$/.exec(url.pathname)
    if (proxy) {
      const [, ns, svc, port, rest] = proxy
      const jm = svc!.endsWith('-rest') && port === 'rest' ? this.jobManagers.get(`${ns}/${svc!.slice(0, -'-rest'.length)}`) : undefined
      if (!jm) return sendJson(res, 503, status(503, 'ServiceUnavailable', `no endpoints available for service "${svc}"`))
      return forward(req, res, jm.url + (rest ?? '/') + url.search, body)
    }

    const cr = /^\/apis\/flink\.apache\.org\/v1beta1(?:\/namespaces\/([^/]+))?\/(flinkdeployments|flinksessionjobs|flinkstatesnapshots)(?:\/([^/]+))?$/.exec(url.pathname)
    if (cr) {
      if (!this.crdsInstalled || (cr[2] === 'flinkstatesnapshots' && !this.stateSnapshotCrdInstalled)) return sendJson(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'))
      const [, ns, plural, name] = cr as unknown as [string, string | undefined, Plural, string | undefined]
      if (!name) {
        if (method !== 'GET') return sendJson(res, 405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'))
        return sendJson(res, 200, this.list(plural, ns, url.searchParams))
      }
      const obj = this.get(plural, ns ?? 'default', name)
      if (!obj) return sendJson(res, 404, status(404, 'NotFound', `${plural}.flink.apache.org "${name}" not found`))
      if (method === 'GET') return sendJson(res, 200, obj)
      if (method === 'PATCH') {
        const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim()
        if (ct !== 'application/merge-patch+json') {
          return sendJson(res, 415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`))
        }
        let patch: unknown
        try {
          patch = JSON.parse(body)
        } catch {
          return sendJson(res, 400, status(400, 'BadRequest', 'error decoding patch'))
        }
        const next = mergePatch(obj, patch) as KubeObject
        next.metadata = { ...next.metadata, resourceVersion: String(++this.rv) } as KubeObject['metadata']
        Object.keys(obj).forEach((k) => delete obj[k])
        Object.assign(obj, next)
        const answer = structuredClone(obj)
        this.onPatch?.(plural, obj, patch)
        return sendJson(res, 200, answer)
      }
      return sendJson(res, 405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'))
    }

    const core = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/(pods|events)$/.exec(url.pathname)
    if (core && method === 'GET' && core[2] === 'pods' && url.searchParams.get('watch') === 'true') return this.watch(res, core[1], url.searchParams)
    if (core && method === 'GET') return sendJson(res, 200, this.list(core[2] as 'pods' | 'events', core[1], url.searchParams))
    sendJson(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'))
  }

  private watch(res: ServerResponse, ns: string | undefined, q: URLSearchParams): void {
    this.watchRequests++
    const done = (): void => void this.emitter.emit('watch')
    const answer = this.watchAnswers.shift()
    if (answer) {
      sendJson(res, answer.status, answer.body)
      return done()
    }
    const from = q.get('resourceVersion') ?? ''
    const selector = parseSelector(q.get('labelSelector') ?? '')
    const fromRv = from === '' || from === '0' ? null : Number(from)
    if (fromRv !== null && fromRv < this.compactedBelow) {
      const gone = status(410, 'Expired', `too old resource version: ${fromRv} (${this.compactedBelow})`)
      if (this.goneAs === 'http') sendJson(res, 410, gone)
      else {
        res.writeHead(200, { 'content-type': 'application/json' })
        writeLine(res, { type: 'ERROR', object: gone })
        res.end()
      }
      return done()
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    // Without a resourceVersion a watch starts with the current objects as ADDED.
    if (fromRv === null) {
      for (const p of this.objects.pods) if (matches(p, ns, selector)) writeLine(res, { type: 'ADDED', object: p })
    } else {
      for (const h of this.podHistory) if (h.rv > fromRv && matches(h.object, ns, selector)) writeLine(res, { type: h.type, object: h.object })
    }
    const w: Watcher = { res, ns, selector, bookmarks: q.get('allowWatchBookmarks') === 'true' }
    this.watchers.add(w)
    res.on('close', () => this.watchers.delete(w))
    done()
  }

  private list(kind: Plural | 'pods' | 'events', ns: string | undefined, q: URLSearchParams): Record<string, unknown> {
    const labelSel = parseSelector(q.get('labelSelector') ?? '')
    const fieldSel = (q.get('fieldSelector') ?? '').split(',').filter(Boolean).map((t) => t.split('=') as [string, string])
    const items = this.objects[kind].filter((o) => {
      if (ns && (o.metadata.namespace ?? 'default') !== ns) return false
      const labels = o.metadata.labels ?? {}
      if (!labelSel.every((m) => m(labels))) return false
      return fieldSel.every(([path, want]) => String(path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o)) === want)
    })
    const listKind = { flinkdeployments: 'FlinkDeploymentList', flinksessionjobs: 'FlinkSessionJobList', flinkstatesnapshots: 'FlinkStateSnapshotList', pods: 'PodList', events: 'EventList' }[kind]
    const apiVersion = kind.startsWith('flink') ? 'flink.apache.org/v1beta1' : 'v1'
    return { apiVersion, kind: listKind, metadata: { resourceVersion: String(this.rv) }, items }
  }
}

function writeLine(res: ServerResponse, ev: unknown): void {
  res.write(`${JSON.stringify(ev)}\n`)
}

function matches(o: KubeObject, ns: string | undefined, selector: ((labels: Record<string, string>) => boolean)[]): boolean {
  if (ns && (o.metadata.namespace ?? 'default') !== ns) return false
  const labels = o.metadata.labels ?? {}
  return selector.every((m) => m(labels))
}

/** Equality (`a=b`, `a==b`), inequality (`a!=b`), set (`a in (x,y)`) and existence (`a`) label selectors. */
function parseSelector(s: string): ((labels: Record<string, string>) => boolean)[] {
  const terms = s.match(/[^,(]+(?:\([^)]*\))?/g) ?? []
  return terms
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => {
      const inSet = /^(\S+)\s+in\s+\(([^)]*)\)$/.exec(t)
      if (inSet) return (l) => inSet[2]!.split(',').map((x) => x.trim()).includes(l[inSet[1]!] ?? '\u0000')
      const ne = /^([^!=]+)!=(.*)$/.exec(t)
      if (ne) return (l) => l[ne[1]!] !== ne[2]
      const eq = /^([^=]+)==?(.*)$/.exec(t)
      if (eq) return (l) => l[eq[1]!] === eq[2]
      return (l) => t in l
    })
}
