/**
 * A Kubernetes API server fake over HTTPS (test CA in test/fixtures/k8s/tls) for the paths of
 * ../shared/reference/flink-apis.md §4: Flink operator CR lists/get/merge-patch, pods by label
 * selector, events by field selector, and the service proxy
 * `/api/v1/namespaces/<ns>/services/<name>-rest:rest/proxy/…`, which forwards to the cluster's
 * JobManager. Bearer tokens are checked (rotation tests swap the accepted set); every request is recorded.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FakeJobManager } from './flink-jobmanager.js'
import { FIXTURES, forward, mergePatch, readBody, sendJson } from './http-util.js'

export type KubeObject = Record<string, unknown> & { metadata: { name: string; namespace?: string; uid?: string; labels?: Record<string, string> } }

export interface KubeCall {
  method: string
  path: string
  contentType: string | undefined
  authorization: string | undefined
  body: string
}

const PLURALS = ['flinkdeployments', 'flinksessionjobs'] as const
type Plural = (typeof PLURALS)[number]

export const TEST_CA = `${FIXTURES}k8s/tls/ca.crt`

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }
}

export class FakeKubeApiServer {
  readonly objects: Record<Plural | 'pods' | 'events', KubeObject[]> = { flinkdeployments: [], flinksessionjobs: [], pods: [], events: [] }
  /** Flink REST backends by "<namespace>/<cluster-id>" (served as service <cluster-id>-rest). */
  readonly jobManagers = new Map<string, FakeJobManager>()
  readonly calls: KubeCall[] = []
  /** Accepted bearer tokens; empty = no authentication. */
  readonly tokens = new Set<string>()
  /** False = the operator CRDs are not installed (flink.apache.org paths 404). */
  crdsInstalled = true
  /** Raw answers by path (without query), for malformed-payload tests. */
  readonly overrides = new Map<string, { status: number; body: string }>()
  url = ''
  private server: Server | undefined
  private rv = 1000

  async start(): Promise<this> {
    const tls = `${FIXTURES}k8s/tls/`
    this.server = createServer({ key: readFileSync(`${tls}server.key`), cert: readFileSync(`${tls}server.crt`) }, (req, res) => void this.onRequest(req, res))
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  async close(): Promise<void> {
    const s = this.server
    this.server = undefined
    if (!s) return
    s.closeAllConnections()
    await new Promise<void>((resolve) => s.close(() => resolve()))
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

    const cr = /^\/apis\/flink\.apache\.org\/v1beta1(?:\/namespaces\/([^/]+))?\/(flinkdeployments|flinksessionjobs)(?:\/([^/]+))?$/.exec(url.pathname)
    if (cr) {
      if (!this.crdsInstalled) return sendJson(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'))
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
        return sendJson(res, 200, obj)
      }
      return sendJson(res, 405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'))
    }

    const core = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/(pods|events)$/.exec(url.pathname)
    if (core && method === 'GET') return sendJson(res, 200, this.list(core[2] as 'pods' | 'events', core[1], url.searchParams))
    sendJson(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'))
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
    const listKind = { flinkdeployments: 'FlinkDeploymentList', flinksessionjobs: 'FlinkSessionJobList', pods: 'PodList', events: 'EventList' }[kind]
    const apiVersion = kind.startsWith('flink') ? 'flink.apache.org/v1beta1' : 'v1'
    return { apiVersion, kind: listKind, metadata: { resourceVersion: String(this.rv) }, items }
  }
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
