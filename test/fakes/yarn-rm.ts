/**
 * A YARN ResourceManager REST fake (../shared/reference/flink-apis.md §3): the apps list and single-app
 * resources, the app state resource (kill), app attempts and the web proxy `/proxy/<appId>/…`, which
 * forwards GET and PUT to the application's current JobManager (amRPCAddress) and answers 405 to other
 * methods, as Hadoop's WebAppProxyServlet does. Every request is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { FakeJobManager, RecordedCall } from './flink-jobmanager.js'
import { fixture, forward, readBody, sendJson, closeServer, listenLoopback } from './http-util.js'

export type YarnApp = Record<string, unknown> & { id: string; state: string }

const notFoundBody = (id: string) => ({
  RemoteException: { exception: 'NotFoundException', message: `java.lang.Exception: app with id: ${id} not found`, javaClassName: 'org.apache.hadoop.yarn.webapp.NotFoundException' },
})

export class FakeResourceManager {
  readonly apps = new Map<string, YarnApp>()
  readonly calls: RecordedCall[] = []
  /** Raw bodies to answer instead of the real payload, by path (e.g. '/ws/v1/cluster/apps'), for malformed-input tests. */
  readonly overrides = new Map<string, { status: number; body: string }>()
  /** Non-secure clusters with ACLs: PUT without ?user.name= is refused. */
  requireUserName = false
  url = ''
  private server: Server | undefined
  private readonly killing = new Set<string>()

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.onRequest(req, res))
    this.url = `http://127.0.0.1:${await listenLoopback(this.server)}`
    return this
  }

  async close(): Promise<void> {
    const s = this.server
    this.server = undefined
    await closeServer(s)
  }

  /** A RUNNING Flink application (fixture app-flink-running.json) whose JobManager is `jm`. */
  addRunningApp(id: string, jm: FakeJobManager, overrides: Partial<YarnApp> = {}): YarnApp {
    const app: YarnApp = { ...fixture<YarnApp>('yarn/app-flink-running.json'), id, ...overrides }
    this.apps.set(id, app)
    this.attachJobManager(id, jm, 1)
    return app
  }

  /** The AM container died and YARN starts a new attempt: RUNNING → ACCEPTED, no tracking URL. */
  loseJobManager(id: string): void {
    const app = this.mustGet(id)
    app.state = 'ACCEPTED'
    app.trackingUI = 'UNASSIGNED'
    app.progress = 0
    app.runningContainers = -1
    for (const k of ['trackingUrl', 'amRPCAddress', 'amHostHttpAddress', 'amContainerLogs', 'masterNodeId']) delete app[k]
  }

  /** The new attempt's JobManager registered: ACCEPTED → RUNNING at a new host:port. */
  attachJobManager(id: string, jm: FakeJobManager, attempt: number, nodeManager = `nm-${attempt + 2}.example.com`): void {
    const app = this.mustGet(id)
    const seq = id.split('_').slice(1).join('_')
    const container = `container_e17_${seq}_${String(attempt).padStart(2, '0')}_000001`
    Object.assign(app, {
      state: 'RUNNING',
      finalStatus: 'UNDEFINED',
      trackingUI: 'ApplicationMaster',
      trackingUrl: `${this.url}/proxy/${id}/`,
      amRPCAddress: jm.address,
      amHostHttpAddress: `${nodeManager}:8042`,
      amContainerLogs: `http://${nodeManager}:8042/node/containerlogs/${container}/flink`,
      masterNodeId: `${nodeManager}:45454`,
      runningContainers: 3,
    })
    this.jobManagers.set(id, jm)
  }

  finish(id: string, state: 'FINISHED' | 'FAILED' | 'KILLED', finalStatus: string): void {
    const app = this.mustGet(id)
    Object.assign(app, { state, finalStatus, trackingUI: 'History', finishedTime: 1767229200000, runningContainers: -1 })
    delete app.amRPCAddress
  }

  private readonly jobManagers = new Map<string, FakeJobManager>()

  private mustGet(id: string): YarnApp {
    const app = this.apps.get(id)
    if (!app) throw new Error(`fake RM has no ${id}`)
    return app
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    const url = new URL(req.url ?? '/', 'http://rm')
    const method = req.method ?? 'GET'
    this.calls.push({ method, path: url.pathname + url.search, body })
    const o = this.overrides.get(url.pathname)
    if (o) return sendJson(res, o.status, o.body)

    const proxy = /^\/proxy\/(application_\d+_\d+)(\/.*)?$/.exec(url.pathname)
    if (proxy) return this.proxy(req, res, proxy[1]!, (proxy[2] ?? '/') + url.search, body)

    const seg = url.pathname.split('/').filter(Boolean)
    if (seg.slice(0, 3).join('/') !== 'ws/v1/cluster') return sendJson(res, 404, { RemoteException: { exception: 'NotFoundException', message: 'no such resource', javaClassName: 'org.apache.hadoop.yarn.webapp.NotFoundException' } })
    if (seg[3] === 'apps' && seg.length === 4 && method === 'GET') return sendJson(res, 200, this.list(url.searchParams))
    if (seg[3] !== 'apps' || !seg[4]) return sendJson(res, 404, { RemoteException: { exception: 'NotFoundException', message: 'no such resource', javaClassName: 'org.apache.hadoop.yarn.webapp.NotFoundException' } })
    const app = this.apps.get(seg[4])
    if (!app) return sendJson(res, 404, notFoundBody(seg[4]))
    if (seg.length === 5 && method === 'GET') return sendJson(res, 200, { app })
    if (seg[5] === 'appattempts' && method === 'GET') return sendJson(res, 200, fixture('yarn/appattempts.json'))
    if (seg[5] === 'state' && method === 'GET') return sendJson(res, 200, { state: app.state })
    if (seg[5] === 'state' && method === 'PUT') {
      if (this.requireUserName && !url.searchParams.get('user.name')) {
        return sendJson(res, 403, { RemoteException: { exception: 'AuthorizationException', message: 'Unable to obtain user name, user not authenticated', javaClassName: 'org.apache.hadoop.security.authorize.AuthorizationException' } })
      }
      let target: unknown
      try {
        target = (JSON.parse(body) as { state?: unknown }).state
      } catch {
        target = undefined
      }
      if (target !== 'KILLED') return sendJson(res, 400, { RemoteException: { exception: 'BadRequestException', message: `java.lang.Exception: Only 'KILLED' is allowed as a target state.`, javaClassName: 'org.apache.hadoop.yarn.webapp.BadRequestException' } })
      if (['FINISHED', 'FAILED', 'KILLED'].includes(app.state)) return sendJson(res, 200, { state: app.state })
      // First PUT: 202 with the current state; the kill completes before the next look.
      if (!this.killing.has(app.id)) {
        this.killing.add(app.id)
        const current = app.state
        this.finish(app.id, 'KILLED', 'KILLED')
        return sendJson(res, 202, { state: current })
      }
      return sendJson(res, 200, { state: app.state })
    }
    sendJson(res, 405, { RemoteException: { exception: 'WebApplicationException', message: 'HTTP 405 Method Not Allowed', javaClassName: 'javax.ws.rs.WebApplicationException' } })
  }

  private list(q: URLSearchParams): unknown {
    const states = (q.get('states') ?? '').split(',').filter(Boolean).map((s) => s.toUpperCase())
    const types = (q.get('applicationTypes') ?? '').split(',').filter(Boolean)
    const user = q.get('user')
    const queue = q.get('queue')
    const apps = [...this.apps.values()].filter(
      (a) =>
        (states.length === 0 || states.includes(a.state)) &&
        (types.length === 0 || types.includes(String(a['applicationType']))) &&
        (!user || a['user'] === user) &&
        (!queue || a['queue'] === queue || a['queue'] === `root.${queue}`),
    )
    // Hadoop answers "apps": null, not an empty list, when nothing matches.
    return apps.length === 0 ? fixture('yarn/apps-none.json') : { apps: { app: apps } }
  }

  private proxy(req: IncomingMessage, res: ServerResponse, id: string, rest: string, body: string): void {
    const method = req.method ?? 'GET'
    if (method !== 'GET' && method !== 'PUT') {
      res.writeHead(405, { 'content-type': 'text/html' })
      return void res.end('<html><body><h2>HTTP ERROR 405</h2><p>Method Not Allowed</p></body></html>')
    }
    const app = this.apps.get(id)
    const jm = this.jobManagers.get(id)
    if (!app || app.state !== 'RUNNING' || !jm || typeof app['amRPCAddress'] !== 'string') {
      // No AM registered: the proxy sends the browser to the RM's application page.
      res.writeHead(302, { location: `${this.url}/cluster/app/${id}`, 'content-type': 'text/html' })
      return void res.end('<html><body>Redirecting</body></html>')
    }
    forward(req, res, `http://${String(app['amRPCAddress'])}${rest}`, body)
  }
}
