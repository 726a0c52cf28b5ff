/**
 * Collectors benchmark (`npm run bench -- collectors [--clusters 100] [--jobs 100] [--interval 10s]
 * [--duration 5m] [--history true]`): a fleet of fake JobManagers (test/bench/fake-jobmanager.ts, in a
 * child process so its CPU is not counted) polled by the real flink collectors, pollers, fleet state,
 * Prometheus exporter and history recorder, on the real clock. All clusters tick together (the worst
 * case; spread start offsets make it easier in production).
 *
 * Cycle time = per poll interval k (starting at t0 + k × interval), the time until every cluster has
 * completed a poll started in that interval or later: max over clusters of (completion − interval
 * start). A cluster whose tick was skipped (previous poll still running) completes only with a later
 * poll, so overruns count in full. (The first version grouped polls by each cluster's poll count,
 * which compared polls from different intervals once one cluster had skipped a tick or drifted, and
 * reported ~10 s extra per drifted interval.)
 *
 * Prints JSON: cycle time p50/p95 (all intervals, and steady state after the first minute, when every
 * job has been read once), poll duration p50/p95, CPU seconds per cycle and mean CPU share of this
 * process (the fake JobManagers run in a child process; their CPU is reported apart), RSS and heap,
 * HTTP requests per job per minute (whole run and steady state after the first minute) and
 * StreamPark's pattern (2 calls per job every 5 s) on the same fleet.
 * Targets: p95 cycle < 5 s, mean CPU < 30% of one core, RSS < 300 MB, requests ≤ ¼ of StreamPark's.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { Registry } from 'prom-client'
import { createFlinkCollector } from '../../collectors/flink/flink-collector.js'
import { systemClock } from '../../src/core/clock.js'
import { parseDuration } from '../../src/core/duration.js'
import { EventBus } from '../../src/core/event-bus.js'
import { createLogger } from '../../src/core/logger.js'
import { FleetState } from '../../src/fleet/fleet-state.js'
import { HistoryRecorder, historyCollection } from '../../src/fleet/history.js'
import { Poller } from '../../src/fleet/poller.js'
import { registerFleetMetrics } from '../../src/metrics/fleet-exporter.js'
import { SqliteStore } from '../../src/storage/sqlite-store.js'

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!
}
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d

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
    },
  })
  const clusters = Number(values.clusters)
  const jobsPer = Number(values.jobs)
  const intervalMs = parseDuration(values.interval)
  const durationMs = parseDuration(values.duration)
  const jobs = clusters * jobsPer

  const fake = spawn(process.execPath, ['--import', 'tsx', new URL('./fake-jobmanager.ts', import.meta.url).pathname, '--clusters', String(clusters), '--jobs', String(jobsPer), '--churn', values.churn], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: fake.stdout! }).once('line', (l) => resolve((JSON.parse(l) as { port: number }).port))
    fake.once('exit', (code) => reject(new Error(`fake JobManager exited with ${code}`)))
  })
  const fakeStats = async () => (await (await fetch(`http://127.0.0.1:${port}/__stats`)).json()) as { requests: number; cpuMicros: number }
  const fakeRequests = async () => (await fakeStats()).requests

  const logger = createLogger({ level: 'error' })
  const bus = new EventBus()
  const registry = new Registry()
  const ids = Array.from({ length: clusters }, (_, i) => `c${i}`)
  const state = new FleetState({ clusters: ids.map((id) => ({ id, type: 'flink', downAfter: 3, url: null, webUiUrl: null })), bus, clock: systemClock, logger })
  const metrics = registerFleetMetrics({ registry, view: state, clock: systemClock, clusters: ids })
  const store = SqliteStore.open(mkdtempSync(join(tmpdir(), 'fw-bench-')))
  await store.init([historyCollection])
  const history = new HistoryRecorder({ store, bus, clock: systemClock, logger, sampleIntervalMs: 60_000, retentionMs: 86_400_000, counters: metrics })
  if (values.history === 'true') await history.start()

  interface Poll {
    cluster: number
    n: number
    start: number
    end: number
    ok: boolean
  }
  const polls: Poll[] = []
  const counts = new Array<number>(clusters).fill(0)
  let errors = 0
  let skipped = 0
  const pollers = ids.map((id, i) => {
    const collector = createFlinkCollector(
      { id, type: 'flink', url: `http://127.0.0.1:${port}/c${i}`, pollInterval: values.interval, requestTimeout: '5s', downAfter: 3, concurrency: 4, checkpointInterval: '60s', metricsInterval: '60s', enabled: true },
      { clock: systemClock },
    )
    const record = (ok: boolean, ms: number) => {
      const end = performance.now()
      polls.push({ cluster: i, n: counts[i]!++, start: end - ms, end, ok })
    }
    return new Poller({
      collector,
      intervalMs,
      timeoutMs: intervalMs,
      clock: { ...systemClock, now: () => performance.now() },
      jitter: 0,
      random: () => 0,
      onResult: (snap, ms) => {
        record(true, ms)
        state.applySnapshot(id, snap)
      },
      onError: (err, ms) => {
        record(false, ms)
        errors++
        state.applyFailure(id, err)
      },
      onSkip: () => void skipped++,
    })
  })

  let maxRss = 0
  let maxHeap = 0
  const rssTimer = setInterval(() => {
    const m = process.memoryUsage()
    maxRss = Math.max(maxRss, m.rss)
    maxHeap = Math.max(maxHeap, m.heapUsed)
  }, 500)
  const fake0 = await fakeStats()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const req0 = fake0.requests
  let reqAfterWarmup = 0
  let warmupAt = 0
  const warmup = setTimeout(() => {
    warmupAt = performance.now()
    void fakeRequests().then((n) => (reqAfterWarmup = n))
  }, Math.min(60_000, durationMs / 2))
  for (const p of pollers) p.start()
  // Scrape like Prometheus would, so exporter cost is included.
  const scrape = setInterval(() => void registry.metrics(), 15_000)

  await new Promise((r) => setTimeout(r, durationMs))
  await Promise.all(pollers.map((p) => p.stop()))
  clearInterval(scrape)
  clearTimeout(warmup)
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const fake1 = await fakeStats()
  const req1 = fake1.requests
  await history.stop()
  await store.close()
  clearInterval(rssTimer)
  fake.kill()

  // Per interval k: max over clusters of (first completion of a poll started in interval k or later) − interval start.
  const byCluster = Array.from({ length: clusters }, () => [] as Poll[])
  for (const p of polls) byCluster[p.cluster]!.push(p)
  for (const list of byCluster) list.sort((a, b) => a.start - b.start)
  const cycleOf = (k: number): number | null => {
    const from = t0 + k * intervalMs
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
  for (let k = 0; t0 + (k + 1) * intervalMs <= t0 + wallMs; k++) {
    const ms = cycleOf(k)
    if (ms !== null) cycleList.push({ k, ms })
  }
  const cycles = cycleList.map((c) => c.ms)
  const warmupCycles = Math.ceil(Math.min(60_000, durationMs / 2) / intervalMs)
  const steadyCycles = cycleList.filter((c) => c.k >= warmupCycles).map((c) => c.ms)
  const pollMs = polls.map((p) => p.end - p.start)
  const steadyPollMs = polls.filter((p) => p.start >= t0 + warmupCycles * intervalMs).map((p) => p.end - p.start)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  const minutes = wallMs / 60_000
  const perJobPerMin = (req1 - req0) / jobs / minutes
  const steadyPerJobPerMin = warmupAt && reqAfterWarmup ? (req1 - reqAfterWarmup) / jobs / ((t0 + wallMs - warmupAt) / 60_000) : null
  const streamPark = 2 * (60_000 / 5000)
  const result = {
    fleet: { clusters, jobsPerCluster: jobsPer, jobs, intervalSeconds: intervalMs / 1000, durationSeconds: round(wallMs / 1000, 1), history: values.history === 'true' },
    cycles: cycles.length,
    cycleTimeMs: { p50: round(pct(cycles, 50)), p95: round(pct(cycles, 95)), max: round(Math.max(0, ...cycles)) },
    steadyCycleTimeMs: { p50: round(pct(steadyCycles, 50)), p95: round(pct(steadyCycles, 95)), max: round(Math.max(0, ...steadyCycles)) },
    pollDurationMs: { p50: round(pct(pollMs, 50)), p95: round(pct(pollMs, 95)), steadyP95: round(pct(steadyPollMs, 95)) },
    failedPolls: errors,
    skippedTicks: skipped,
    cpuSecondsPerCycle: round(cpuSeconds / Math.max(1, wallMs / intervalMs), 3),
    meanCpuShareOfOneCore: round(cpuSeconds / (wallMs / 1000), 3),
    fakeJobManagersCpuShareOfOneCore: round((fake1.cpuMicros - fake0.cpuMicros) / 1e6 / (wallMs / 1000), 3),
    rssMb: { max: round(maxRss / 1048576, 1), end: round(process.memoryUsage().rss / 1048576, 1) },
    heapUsedMb: { max: round(maxHeap / 1048576, 1) },
    requestsPerJobPerMinute: { wholeRun: round(perJobPerMin, 2), steadyStateAfterWarmup: steadyPerJobPerMin === null ? null : round(steadyPerJobPerMin, 2) },
    streamPark: { requestsPerJobPerMinute: streamPark, requestsPerMinuteOnThisFleet: streamPark * jobs },
    ratioToStreamPark: round(perJobPerMin / streamPark, 3),
    targets: {
      p95CycleUnder5s: pct(cycles, 95) < 5000,
      meanCpuUnder30pct: cpuSeconds / (wallMs / 1000) < 0.3,
      rssUnder300MB: maxRss < 300 * 1048576,
      requestsAtMostQuarterOfStreamPark: perJobPerMin <= streamPark / 4,
    },
  }
  console.log(JSON.stringify(result, null, 2))
}
