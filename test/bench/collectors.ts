/**
 * Collectors benchmark (`npm run bench -- collectors [--clusters 100] [--jobs 100] [--interval 10s]
 * [--duration 5m] [--history true] [--watch 2s]`; `--watch 0s` turns the state watch off): a fleet of fake JobManagers (test/bench/fake-jobmanager.ts)
 * polled by the real flink collectors, pollers, fleet state, Prometheus exporter and history
 * recorder, on the real clock. All clusters tick together (the worst case; spread start offsets make
 * it easier in production).
 *
 * Three processes: this driver (tsx), the fake JobManagers (a child; their CPU is reported apart) and
 * the measured service (test/bench/service/collectors-service.ts), which the driver compiles with
 * `tsc` and runs from `dist/` with plain node, as users run flinkwatch. CPU, RSS and heap are that
 * process's own: neither the fakes, nor tsx and its loader thread, nor the driver's bookkeeping are in
 * them (until this split the figure was the whole tsx process, fakes aside). The driver scrapes the
 * service's `/metrics` over loopback HTTP every 15 s, like Prometheus, so exporter cost is included.
 *
 * Cycle time = per poll interval k (starting at t0 + k × interval), the time until every cluster has
 * completed a poll started in that interval or later: max over clusters of (completion − interval
 * start). A cluster whose tick was skipped (previous poll still running) completes only with a later
 * poll, so overruns count in full. (The first version grouped polls by each cluster's poll count,
 * which compared polls from different intervals once one cluster had skipped a tick or drifted, and
 * reported ~10 s extra per drifted interval.)
 *
 * Prints JSON: cycle time p50/p95 (all intervals, and steady state after the first minute, when every
 * job has been read once), poll duration p50/p95, CPU seconds per cycle and mean CPU share of the
 * service process, RSS and heap of the service process, HTTP requests per job per minute (whole run
 * and steady state after the first minute) and StreamPark's pattern (2 calls per job every 5 s) on the
 * same fleet.
 * Targets: p95 cycle < 5 s, mean CPU < 30% of one core, RSS < 300 MB, requests ≤ ¼ of StreamPark's.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { parseDuration } from '../../src/core/duration.js'
import type { BenchPoll, ServiceReport } from './service/collectors-service.js'

export const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!
}
export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d

export interface FakeFleetStats {
  requests: number
  /** Requests per listening host, in the order of `hosts` (the HA benchmark's per-instance split). */
  requestsPerHost: number[]
  cpuMicros: number
}

export interface FakeFleet {
  port: number
  stats(): Promise<FakeFleetStats>
  stop(): void
}

/** Starts the fake JobManagers (fake-jobmanager.ts) as a child process; resolves once it listens. */
export async function startFakeJobManagers(o: { clusters: number; jobs: number; churn: string; hosts?: readonly string[] }): Promise<FakeFleet> {
  const fake = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./fake-jobmanager.ts', import.meta.url).pathname, '--clusters', String(o.clusters), '--jobs', String(o.jobs), '--churn', o.churn, ...(o.hosts ? ['--hosts', o.hosts.join(',')] : [])],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: fake.stdout! }).once('line', (l) => resolve((JSON.parse(l) as { port: number }).port))
    fake.once('exit', (code) => reject(new Error(`fake JobManager exited with ${code}`)))
  })
  const host = o.hosts?.[0] ?? '127.0.0.1'
  return {
    port,
    stats: async () => (await (await fetch(`http://${host}:${port}/__stats`)).json()) as FakeFleetStats,
    stop: () => void fake.kill(),
  }
}

export default async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      clusters: { type: 'string', default: '100' },
      jobs: { type: 'string', default: '100' },
      interval: { type: 'string', default: '10s' },
      duration: { type: 'string', default: '5m' },
      history: { type: 'string', default: 'true' },
      churn: { type: 'string', default: '0.01' },
      watch: { type: 'string', default: '2s' },
    },
  })
  const clusters = Number(values.clusters)
  const jobsPer = Number(values.jobs)
  const intervalMs = parseDuration(values.interval)
  const durationMs = parseDuration(values.duration)
  const jobs = clusters * jobsPer

  const fake = await startFakeJobManagers({ clusters, jobs: jobsPer, churn: values.churn })
  const port = fake.port
  const fakeStats = fake.stats
  const fakeRequests = async () => (await fakeStats()).requests

  // The measured process runs compiled code, as `flinkwatch serve` does: build dist/ first (incremental).
  const root = fileURLToPath(new URL('../../', import.meta.url))
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) throw new Error('tsc -p tsconfig.json failed; the service runs from dist/')
  const service = spawn(
    process.execPath,
    [`${root}dist/test/bench/service/collectors-service.js`, '--fake-port', String(port), '--clusters', String(clusters), '--interval', values.interval, '--duration', values.duration, '--history', values.history, '--watch', values.watch],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const lines = createInterface({ input: service.stdout! })[Symbol.asyncIterator]()
  const nextLine = async (): Promise<string> => {
    const r = await lines.next()
    if (r.done) throw new Error(`the measured service exited (${service.exitCode ?? service.signalCode})`)
    return r.value
  }
  const { metricsPort } = JSON.parse(await nextLine()) as { metricsPort: number }
  const fake0 = await fakeStats()
  const t0 = performance.now()
  const req0 = fake0.requests
  let reqAfterWarmup = 0
  let warmupAt = 0
  const warmup = setTimeout(() => {
    warmupAt = performance.now()
    void fakeRequests().then((n) => (reqAfterWarmup = n))
  }, Math.min(60_000, durationMs / 2))
  // Scrape like Prometheus would (every 15 s, the whole text), so exporter cost is included.
  let scrapeBytes = 0
  const scrape = setInterval(() => {
    void fetch(`http://127.0.0.1:${metricsPort}/metrics`)
      .then((r) => r.text())
      .then((t) => (scrapeBytes = t.length))
      .catch(() => undefined)
  }, 15_000)

  // The service logs errors (level error) to the same stdout: under load a poll can log one before the report.
  let report: ServiceReport
  for (;;) {
    const line = await nextLine()
    const parsed = JSON.parse(line) as Partial<ServiceReport>
    if (Array.isArray(parsed.polls)) {
      report = parsed as ServiceReport
      break
    }
    console.error(`service: ${line.slice(0, 300)}`)
  }
  clearInterval(scrape)
  clearTimeout(warmup)
  const fake1 = await fakeStats()
  const req1 = fake1.requests
  const fakeWallMs = performance.now() - t0
  await new Promise((r) => service.once('exit', r))
  fake.stop()

  const wallMs = report.wallMs
  const polls: BenchPoll[] = report.polls
  const errors = report.errors
  const skipped = report.skipped
  // Per interval k: max over clusters of (first completion of a poll started in interval k or later) − interval start.
  const byCluster = Array.from({ length: clusters }, () => [] as BenchPoll[])
  for (const p of polls) byCluster[p.cluster]!.push(p)
  for (const list of byCluster) list.sort((a, b) => a.start - b.start)
  const cycleOf = (k: number): number | null => {
    const from = k * intervalMs
    let worst = 0
    for (const list of byCluster) {
      // A tick fires a little after its planned time: allow 10% of an interval of timer lateness.
      const p = list.find((x) => x.start >= from - intervalMs * 0.1)
      if (!p) return null
      worst = Math.max(worst, p.end - from)
    }
    return worst
  }
  const cycleList: { k: number; ms: number }[] = []
  for (let k = 0; (k + 1) * intervalMs <= wallMs; k++) {
    const ms = cycleOf(k)
    if (ms !== null) cycleList.push({ k, ms })
  }
  const cycles = cycleList.map((c) => c.ms)
  const warmupCycles = Math.ceil(Math.min(60_000, durationMs / 2) / intervalMs)
  const steadyCycles = cycleList.filter((c) => c.k >= warmupCycles).map((c) => c.ms)
  const pollMs = polls.map((p) => p.end - p.start)
  const steadyPollMs = polls.filter((p) => p.start >= warmupCycles * intervalMs).map((p) => p.end - p.start)
  const cpuSeconds = report.cpuMicros / 1e6
  const minutes = fakeWallMs / 60_000
  const perJobPerMin = (req1 - req0) / jobs / minutes
  const steadyPerJobPerMin = warmupAt && reqAfterWarmup ? (req1 - reqAfterWarmup) / jobs / ((t0 + fakeWallMs - warmupAt) / 60_000) : null
  const streamPark = 2 * (60_000 / 5000)
  const result = {
    fleet: { clusters, jobsPerCluster: jobsPer, jobs, intervalSeconds: intervalMs / 1000, watchInterval: values.watch, durationSeconds: round(wallMs / 1000, 1), history: values.history === 'true' },
    cycles: cycles.length,
    cycleTimeMs: { p50: round(pct(cycles, 50)), p95: round(pct(cycles, 95)), max: round(Math.max(0, ...cycles)) },
    steadyCycleTimeMs: { p50: round(pct(steadyCycles, 50)), p95: round(pct(steadyCycles, 95)), max: round(Math.max(0, ...steadyCycles)) },
    pollDurationMs: { p50: round(pct(pollMs, 50)), p95: round(pct(pollMs, 95)), steadyP95: round(pct(steadyPollMs, 95)) },
    failedPolls: errors,
    skippedTicks: skipped,
    cpuSecondsPerCycle: round(cpuSeconds / Math.max(1, wallMs / intervalMs), 3),
    meanCpuShareOfOneCore: round(cpuSeconds / (wallMs / 1000), 3),
    fakeJobManagersCpuShareOfOneCore: round((fake1.cpuMicros - fake0.cpuMicros) / 1e6 / (fakeWallMs / 1000), 3),
    measuredProcess: 'the collectors service alone (flink collectors, pollers, fleet state, exporter serving /metrics, history on SQLite), compiled to dist/ and run with plain node in its own process; fake JobManagers and this tsx driver run in other processes',
    rssMb: { max: round(report.rssMaxBytes / 1048576, 1), end: round(report.rssEndBytes / 1048576, 1) },
    heapUsedMb: { max: round(report.heapUsedMaxBytes / 1048576, 1) },
    scrapes: { count: report.scrapes, maxMs: round(report.scrapeMsMax), bytes: scrapeBytes },
    requestsPerJobPerMinute: { wholeRun: round(perJobPerMin, 2), steadyStateAfterWarmup: steadyPerJobPerMin === null ? null : round(steadyPerJobPerMin, 2) },
    streamPark: { requestsPerJobPerMinute: streamPark, requestsPerMinuteOnThisFleet: streamPark * jobs },
    ratioToStreamPark: round(perJobPerMin / streamPark, 3),
    targets: {
      p95CycleUnder5s: pct(cycles, 95) < 5000,
      meanCpuUnder30pct: cpuSeconds / (wallMs / 1000) < 0.3,
      rssUnder300MB: report.rssMaxBytes < 300 * 1048576,
      requestsAtMostQuarterOfStreamPark: perJobPerMin <= streamPark / 4,
    },
  }
  console.log(JSON.stringify(result, null, 2))
}
