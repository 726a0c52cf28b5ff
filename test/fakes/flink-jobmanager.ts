/**
 * A JobManager REST payload source for the YARN and Kubernetes fakes only: the fake RM proxy and the fake
 * API-server service proxy forward to it, as the real proxies forward to a real JobManager. Payload shapes
 * follow ../shared/reference/flink-apis.md §1 (Flink 1.17–1.20) field by field. Flink collector tests run
 * against the real Flink of the test stack, never against this.
 */
import { closeServer, listenLoopback } from './http-util.js'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

export interface FakeFlinkJob {
  jid: string
  name: string
  /** Flink JobStatus name. */
  state: string
  startTime: number
  endTime?: number
  numRestarts?: number
}

export interface RecordedCall {
  method: string
  path: string
  body: string
}

export class FakeJobManager {
  jobs: FakeFlinkJob[] = []
  version = '1.19.1'
  taskManagers = 2
  slotsTotal = 4
  slotsAvailable = 1
  /** Answer every request with 503 as during a leader election. */
  leaderElection = false
  readonly calls: RecordedCall[] = []
  private server: Server | undefined
  private savepointSeq = 0
  url = ''

  constructor(jobs: FakeFlinkJob[] = []) {
    this.jobs = jobs
  }

  /** host:port, as YARN reports it in amRPCAddress. */
  get address(): string {
    return new URL(this.url).host
  }

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

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const url = new URL(req.url ?? '/', 'http://jm')
    const path = url.pathname.replace(/^\/v1(?=\/)/, '')
    this.calls.push({ method: req.method ?? 'GET', path: path + url.search, body })
    const send = (status: number, payload: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' })
      res.end(payload === undefined ? '' : JSON.stringify(payload))
    }
    if (this.leaderElection) return send(503, { errors: ['Service temporarily unavailable due to an ongoing leader election. Please refresh.'] })
    const r = this.route(req.method ?? 'GET', path, url.searchParams, body)
    send(r.status, r.body)
  }

  private job(id: string | undefined): FakeFlinkJob | undefined {
    return this.jobs.find((j) => j.jid === id)
  }

  route(method: string, path: string, query: URLSearchParams, body: string): { status: number; body: unknown } {
    const seg = path.split('/').filter(Boolean)
    const notFound = { status: 404, body: { errors: [`Not found: ${path}`] } }
    const jobNotFound = { status: 404, body: { errors: ['org.apache.flink.runtime.rest.NotFoundException: Job could not be found.'] } }
    if (method === 'GET' && path === '/config') {
      return {
        status: 200,
        body: {
          'refresh-interval': 3000,
          'timezone-name': 'Coordinated Universal Time',
          'timezone-offset': 0,
          'flink-version': this.version,
          'flink-revision': 'a1b2c3d @ 2024-06-14T00:00:00+02:00',
          features: { 'web-submit': false, 'web-cancel': false, 'web-rescale': false, 'web-history': false },
        },
      }
    }
    if (method === 'GET' && path === '/overview') {
      const count = (s: string): number => this.jobs.filter((j) => j.state === s).length
      return {
        status: 200,
        body: {
          taskmanagers: this.taskManagers,
          'slots-total': this.slotsTotal,
          'slots-available': this.slotsAvailable,
          'taskmanagers-blocked': 0,
          'slots-free-and-blocked': 0,
          'jobs-running': this.jobs.filter((j) => !['FINISHED', 'CANCELED', 'FAILED'].includes(j.state)).length,
          'jobs-finished': count('FINISHED'),
          'jobs-cancelled': count('CANCELED'),
          'jobs-failed': count('FAILED'),
          'flink-version': this.version,
          'flink-commit': 'a1b2c3d',
        },
      }
    }
    if (method === 'GET' && path === '/jobs') return { status: 200, body: { jobs: this.jobs.map((j) => ({ id: j.jid, status: j.state })) } }
    if (method === 'GET' && path === '/jobs/overview') return { status: 200, body: { jobs: this.jobs.map((j) => this.details(j)) } }
    if (method === 'GET' && path === '/taskmanagers/metrics') {
      // Aggregated endpoint: numbers, only the requested aggregations (flink-apis.md §1.7).
      const values: Record<string, number> = {
        'Status.JVM.CPU.Load': 0.25,
        'Status.JVM.Memory.Heap.Used': 268435456,
        'Status.JVM.Memory.Heap.Max': 536870912,
        'Status.JVM.GarbageCollector.All.TimeMsPerSecond': 3,
        'Status.Flink.Memory.Managed.Used': 0,
      }
      const ids = (query.get('get') ?? '').split(',').filter(Boolean)
      if (ids.length === 0) return { status: 200, body: Object.keys(values).map((id) => ({ id })) }
      return { status: 200, body: ids.filter((id) => id in values).map((id) => ({ id, max: values[id], avg: values[id], sum: values[id]! * this.taskManagers })) }
    }
    if (seg[0] !== 'jobs' || seg.length < 2) return notFound
    const job = this.job(seg[1])
    if (!job) return jobNotFound
    const rest = seg.slice(2).join('/')
    if (method === 'GET' && rest === '') return { status: 200, body: this.detailInfo(job) }
    if (method === 'GET' && rest === 'status') return { status: 200, body: { status: job.state } }
    if (method === 'GET' && rest === 'checkpoints') return { status: 404, body: { errors: ['Checkpointing has not been enabled.'] } }
    if (method === 'GET' && rest === 'checkpoints/config') return { status: 404, body: { errors: ['Checkpointing is not enabled for this job (' + job.jid + ').'] } }
    if (method === 'GET' && rest === 'exceptions') {
      return { status: 200, body: { 'root-exception': null, timestamp: null, 'all-exceptions': [], truncated: false, exceptionHistory: { entries: [], truncated: false } } }
    }
    if (method === 'GET' && rest === 'metrics') {
      const ids = (query.get('get') ?? '').split(',').filter(Boolean)
      const values: Record<string, string> = { numRestarts: String(job.numRestarts ?? 0), fullRestarts: String(job.numRestarts ?? 0) }
      if (ids.length === 0) return { status: 200, body: Object.keys(values).map((id) => ({ id })) }
      return { status: 200, body: ids.filter((id) => id in values).map((id) => ({ id, value: values[id] })) }
    }
    if (method === 'GET' && seg[2] === 'vertices') return { status: 200, body: [] }
    // Deprecated GET cancel, kept for the YARN proxy (flink-apis.md §1.9).
    if ((method === 'GET' && rest === 'yarn-cancel') || (method === 'PATCH' && rest === '' && (query.get('mode') ?? 'cancel') === 'cancel')) {
      if (['FINISHED', 'CANCELED', 'FAILED'].includes(job.state)) {
        return { status: 409, body: { errors: [`Job cancellation failed because the job has already reached another terminal state (${job.state}).`] } }
      }
      job.state = 'CANCELED'
      return { status: 202, body: {} }
    }
    if (method === 'POST' && (rest === 'stop' || rest === 'savepoints')) {
      const parsed = body ? (JSON.parse(body) as Record<string, unknown>) : {}
      const triggerId = typeof parsed['triggerId'] === 'string' ? parsed['triggerId'] : (++this.savepointSeq).toString(16).padStart(32, '0')
      const dir = (rest === 'stop' ? parsed['targetDirectory'] : parsed['target-directory']) as string | undefined
      if (!dir) return { status: 400, body: { errors: ['Config key [state.savepoints.dir] is not set. Property [targetDirectory] must be provided.'] } }
      this.savepoints.set(triggerId, `${dir}/savepoint-${job.jid.slice(0, 6)}-${triggerId.slice(-12)}`)
      if (rest === 'stop' || parsed['cancel-job'] === true) job.state = rest === 'stop' ? 'FINISHED' : 'CANCELED'
      return { status: 202, body: { 'request-id': triggerId } }
    }
    if (method === 'GET' && seg[2] === 'savepoints' && seg[3]) {
      const location = this.savepoints.get(seg[3])
      if (!location) return { status: 404, body: { errors: [`There is no savepoint operation with triggerId=${seg[3]} for job ${job.jid}`] } }
      return { status: 200, body: { status: { id: 'COMPLETED' }, operation: { location } } }
    }
    return notFound
  }

  private readonly savepoints = new Map<string, string>()

  private details(j: FakeFlinkJob): Record<string, unknown> {
    const end = j.endTime ?? -1
    return {
      jid: j.jid,
      name: j.name,
      state: j.state,
      'start-time': j.startTime,
      'end-time': end,
      duration: (end > 0 ? end : j.startTime + 60_000) - j.startTime,
      'last-modification': j.startTime,
      tasks: { total: 2, created: 0, scheduled: 0, deploying: 0, running: j.state === 'RUNNING' ? 2 : 0, finished: 0, canceling: 0, canceled: 0, failed: 0, reconciling: 0, initializing: 0 },
    }
  }

  private detailInfo(j: FakeFlinkJob): Record<string, unknown> {
    const d = this.details(j)
    return {
      jid: j.jid,
      name: j.name,
      isStoppable: false,
      state: j.state,
      'start-time': d['start-time'],
      'end-time': d['end-time'],
      duration: d['duration'],
      maxParallelism: -1,
      now: j.startTime + 60_000,
      timestamps: { INITIALIZING: j.startTime, CREATED: j.startTime, RUNNING: j.state === 'RUNNING' ? j.startTime + 100 : 0, FAILING: 0, FAILED: 0, CANCELLING: 0, CANCELED: 0, FINISHED: 0, RESTARTING: 0, SUSPENDED: 0, RECONCILING: 0 },
      vertices: [],
      'status-counts': { CREATED: 0, SCHEDULED: 0, DEPLOYING: 0, RUNNING: 0, FINISHED: 0, CANCELING: 0, CANCELED: 0, FAILED: 0, RECONCILING: 0, INITIALIZING: 0 },
      plan: { jid: j.jid, name: j.name, type: 'STREAMING', nodes: [] },
    }
  }
}
