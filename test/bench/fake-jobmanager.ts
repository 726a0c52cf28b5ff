/**
 * A fast fake fleet of Flink JobManagers for the collectors benchmark: one HTTP server, clusters
 * routed by path prefix (`/c0/overview`, `/c17/jobs/<id>/checkpoints`, …), every cluster with N
 * streaming jobs of three vertices (Kafka source → map → sink) in Flink 1.20 payload shapes.
 * Answers are pre-rendered strings so the fake costs little. Counts every request.
 *
 * Run as a child process: `node --import tsx test/bench/fake-jobmanager.ts --clusters 100 --jobs 100`
 * prints `{"port": N}` on stdout; `GET /__stats` returns `{"requests": N, "cpuMicros": N}` (its own CPU time,
 * so the benchmark can show the fake is not what limits it).
 *
 * For the HA benchmark: `--hosts 127.0.0.1,127.0.0.2,127.0.0.3` listens on each loopback address (same
 * port), so a poller's instance is known by the address it called (`__stats` counts per host);
 * `POST /__fail?n=1000` turns n RUNNING jobs FAILED at once (spread round-robin over the clusters, the
 * exception history gains the failure) and answers their names; `GET /__polls` lists every poll seen per
 * cluster (`/overview` + `/jobs/overview` open one; the last request of that cluster from the same host ends it;
 * `/jobs`, the state watch between polls, is not part of a poll).
 */
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { clusters: { type: 'string', default: '100' }, jobs: { type: 'string', default: '100' }, port: { type: 'string', default: '0' }, churn: { type: 'string', default: '0.01' }, hosts: { type: 'string', default: '127.0.0.1' } },
})
const clusters = Number(values.clusters)
const jobsPer = Number(values.jobs)
/** Share of jobs that restart per minute (their last-modification and restart count change). */
const churnPerMinute = Number(values.churn)
const started = Date.now()

const hex = (n: number, len = 32) => n.toString(16).padStart(len, '0')
const jobId = (c: number, j: number) => hex(c * 100_000 + j)
const vertexIds = (c: number, j: number) => [hex(1e9 + c * 100_000 + j), hex(2e9 + c * 100_000 + j), hex(3e9 + c * 100_000 + j)]

interface FakeJob {
  id: string
  name: string
  restarts: number
  lastModification: number
  /** Set by POST /__fail: the job is FAILED from then on. */
  failedAt?: number
}
const fleet: FakeJob[][] = Array.from({ length: clusters }, (_, c) =>
  Array.from({ length: jobsPer }, (_, j) => ({ id: jobId(c, j), name: `job-${c}-${j}`, restarts: 0, lastModification: started - 1000 })),
)
const hosts = values.hosts.split(',').map((h) => h.trim()).filter(Boolean)

/** One poll of one cluster as the fake saw it: which host was called, its first and last request (ms epoch). */
interface SeenPoll {
  host: number
  start: number
  end: number
}
const polls: SeenPoll[][] = Array.from({ length: clusters }, () => [])
const lastPollOf: (SeenPoll | undefined)[][] = Array.from({ length: hosts.length }, () => new Array<SeenPoll | undefined>(clusters))
const requestsPerHost = new Array<number>(hosts.length).fill(0)
let failCursor = 0

/** Turns the next `n` running jobs FAILED, round-robin over the clusters (1,000 over 300 clusters: 3 or 4 each). */
function failJobs(n: number): string[] {
  const now = Date.now()
  const names: string[] = []
  for (let k = 0; k < n && failCursor < clusters * jobsPer; k++, failCursor++) {
    const job = fleet[failCursor % clusters]![Math.floor(failCursor / clusters)]!
    job.failedAt = now
    job.lastModification = now
    names.push(job.name)
  }
  return names
}

setInterval(() => {
  // Restart a few random jobs every second so the change-driven path is exercised.
  const perSecond = (clusters * jobsPer * churnPerMinute) / 60
  for (let i = 0; i < perSecond || Math.random() < perSecond - i; i++) {
    const job = fleet[Math.floor(Math.random() * clusters)]![Math.floor(Math.random() * jobsPer)]!
    if (job.failedAt !== undefined) continue
    job.restarts++
    job.lastModification = Date.now()
  }
}, 1000).unref()

const overview = JSON.stringify({ taskmanagers: 50, 'slots-total': 200, 'slots-available': 100, 'taskmanagers-blocked': 0, 'slots-free-and-blocked': 0, 'jobs-running': jobsPer, 'jobs-finished': 0, 'jobs-cancelled': 0, 'jobs-failed': 0, 'flink-version': '1.20.1', 'flink-commit': 'abc1234' })
const tasks = { running: 6, canceling: 0, canceled: 0, total: 6, created: 0, scheduled: 0, deploying: 0, reconciling: 0, finished: 0, initializing: 0, failed: 0 }
const failedTasks = { ...tasks, running: 0, failed: 1, canceled: 5 }
const jobsOverview = (c: number) =>
  JSON.stringify({
    jobs: fleet[c]!.map((j) =>
      j.failedAt === undefined
        ? { jid: j.id, name: j.name, 'start-time': started - 3_600_000, 'end-time': -1, duration: 3_600_000, state: 'RUNNING', 'last-modification': j.lastModification, tasks }
        : { jid: j.id, name: j.name, 'start-time': started - 3_600_000, 'end-time': j.failedAt, duration: j.failedAt - started + 3_600_000, state: 'FAILED', 'last-modification': j.lastModification, tasks: failedTasks },
    ),
  })
const jobIds = (c: number) => JSON.stringify({ jobs: fleet[c]!.map((j) => ({ id: j.id, status: j.failedAt === undefined ? 'RUNNING' : 'FAILED' })) })
const jobDetails = (c: number, j: FakeJob) => {
  const [s, m, k] = vertexIds(c, Number.parseInt(j.id, 16) % 100_000)
  const st = j.failedAt === undefined ? 'RUNNING' : 'FAILED'
  const end = j.failedAt ?? -1
  const v = (id: string, name: string, p: number) => ({ id, name, maxParallelism: 128, parallelism: p, status: st, 'start-time': started, 'end-time': end, duration: 1, tasks: { [st]: p }, metrics: {} })
  return JSON.stringify({
    jid: j.id, name: j.name, isStoppable: false, state: st, 'job-type': 'STREAMING', 'start-time': started - 3_600_000, 'end-time': end, duration: 3_600_000, maxParallelism: -1, now: Date.now(),
    timestamps: j.failedAt === undefined ? { RUNNING: started } : { RUNNING: started, FAILED: j.failedAt }, vertices: [v(s!, 'Source: in', 2), v(m!, 'Map', 2), v(k!, 'Sink: out', 2)], 'status-counts': { [st]: 3 },
    plan: { jid: j.id, name: j.name, type: 'STREAMING', nodes: [{ id: k, parallelism: 2, inputs: [{ num: 0, id: m }] }, { id: m, parallelism: 2, inputs: [{ num: 0, id: s }] }, { id: s, parallelism: 2 }] },
  })
}
const checkpoints = () => {
  const now = Date.now()
  return JSON.stringify({
    counts: { restored: 0, total: 100, in_progress: 0, completed: 99, failed: 1 },
    latest: {
      completed: { className: 'completed', id: 99, status: 'COMPLETED', is_savepoint: false, trigger_timestamp: now - 2050, latest_ack_timestamp: now - 2000, checkpointed_size: 4096, state_size: 4096, end_to_end_duration: 50, external_path: 'file:/cp/chk-99', discarded: false },
      savepoint: null, failed: null, restored: null,
    },
    history: [],
  })
}
const checkpointConfig = JSON.stringify({ mode: 'exactly_once', interval: 10_000, timeout: 600_000, min_pause: 0, max_concurrent: 1, externalization: { enabled: true, delete_on_cancellation: false } })
const sourceIds = JSON.stringify(['busyTimeMsPerSecond', 'backPressuredTimeMsPerSecond', 'numRecordsInPerSecond', 'numRecordsOutPerSecond', 'Source__in.numRecordsInPerSecond', 'Source__in.pendingRecords'].map((id) => ({ id })))
const agg = (id: string, v: number | string) => ({ id, max: v, avg: v, sum: v })
const sourceMetrics = JSON.stringify([agg('busyTimeMsPerSecond', 'NaN'), agg('backPressuredTimeMsPerSecond', 0), agg('numRecordsInPerSecond', 0), agg('numRecordsOutPerSecond', 100), agg('Source__in.numRecordsInPerSecond', 100), agg('Source__in.pendingRecords', 42)])
const taskMetrics = JSON.stringify([agg('busyTimeMsPerSecond', 300), agg('backPressuredTimeMsPerSecond', 20), agg('numRecordsInPerSecond', 100), agg('numRecordsOutPerSecond', 100)])
const tmMetrics = JSON.stringify([agg('Status.JVM.CPU.Load', 0.3), agg('Status.JVM.Memory.Heap.Used', 2e8), agg('Status.JVM.Memory.Heap.Max', 5e8), agg('Status.JVM.GarbageCollector.All.TimeMsPerSecond', 3), agg('Status.Flink.Memory.Managed.Used', 0)])
const exceptions = JSON.stringify({ exceptionHistory: { entries: [], truncated: false } })
const failedExceptions = (j: FakeJob) => {
  const trace = 'org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:180)'
  return JSON.stringify({ 'root-exception': trace, timestamp: j.failedAt, exceptionHistory: { entries: [{ exceptionName: 'org.apache.flink.runtime.JobException', stacktrace: trace, timestamp: j.failedAt, taskName: 'Map (1/2)', endpoint: 'tm-1:6122', failureLabels: {} }], truncated: false } })
}

let requests = 0
const server = createServer((req, res) => {
  const url = req.url ?? '/'
  if (url === '/__stats') {
    const cpu = process.cpuUsage()
    return res.end(JSON.stringify({ requests, requestsPerHost, cpuMicros: cpu.user + cpu.system }))
  }
  if (url === '/__polls') return res.end(JSON.stringify({ hosts, polls }))
  if (url.startsWith('/__fail')) {
    const n = Number(new URL(url, 'http://x').searchParams.get('n') ?? '0')
    const at = Date.now()
    return res.end(JSON.stringify({ at, names: failJobs(n) }))
  }
  requests++
  const host = hosts.length > 1 ? Math.max(0, hosts.indexOf(req.socket.localAddress ?? '')) : 0
  requestsPerHost[host]!++
  const send = (body: string, status = 200) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  const parts = path.split('/')
  const c = Number(parts[1]?.slice(1))
  const jobs = fleet[c]
  if (!jobs) return send('{"errors":["Not found"]}', 404)
  const rest = parts.slice(2)
  const now = Date.now()
  // A poll opens with `/overview` and `/jobs/overview` together (either may come first).
  const last = lastPollOf[host]![c]
  if (rest[0] === 'jobs' && rest.length === 1) return send(jobIds(c))
  if ((rest[0] === 'overview' || (rest[0] === 'jobs' && rest[1] === 'overview')) && (!last || now - last.start > 2000)) {
    const p = { host, start: now, end: now }
    polls[c]!.push(p)
    lastPollOf[host]![c] = p
  } else if (last) last.end = now
  if (rest[0] === 'overview') return send(overview)
  if (rest[0] === 'taskmanagers') return send(tmMetrics)
  if (rest[0] !== 'jobs') return send('{"errors":["Not found"]}', 404)
  if (rest[1] === 'overview') return send(jobsOverview(c))
  const job = jobs[Number.parseInt(rest[1] ?? '', 16) % 100_000]
  if (!job) return send('{"errors":["Job not found"]}', 404)
  if (rest.length === 2) return send(jobDetails(c, job))
  if (rest[2] === 'metrics') return send(JSON.stringify([{ id: 'numRestarts', value: String(job.restarts) }]))
  if (rest[2] === 'exceptions') return send(job.failedAt === undefined ? exceptions : failedExceptions(job))
  if (rest[2] === 'checkpoints') return send(rest[3] === 'config' ? checkpointConfig : checkpoints())
  if (rest[2] === 'vertices') {
    const vid = Number.parseInt(rest[3] ?? '0', 16)
    const isSource = vid >= 1e9 && vid < 2e9
    if (isSource && q < 0) return send(sourceIds)
    return send(isSource ? sourceMetrics : taskMetrics)
  }
  send('{"errors":["Not found"]}', 404)
})
server.keepAliveTimeout = 60_000
// One server, several listening sockets: the first picks the port, the other hosts listen on the same one.
server.listen(Number(values.port), hosts[0], () => {
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  const more = hosts.slice(1).map((h) => new Promise<void>((resolve, reject) => {
    const extra = createServer(server.listeners('request')[0] as Parameters<typeof createServer>[1])
    extra.keepAliveTimeout = 60_000
    extra.once('error', reject)
    extra.listen(port, h, () => resolve())
  }))
  void Promise.all(more).then(() => process.stdout.write(JSON.stringify({ port }) + '\n'))
})
