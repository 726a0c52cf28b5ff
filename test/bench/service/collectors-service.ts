/**
 * The measured side of the collectors benchmark, run by test/bench/collectors.ts as its own process
 * from the compiled `dist/` with plain node (no tsx), the way `flinkwatch serve` runs: the real flink
 * collectors, pollers, fleet state, Prometheus exporter (served on `/metrics` over loopback HTTP and
 * scraped by the driver) and history recorder on SQLite. Neither the fake JobManagers nor the driver
 * share this process, so its CPU and memory figures are the collectors' own.
 *
 * `node dist/test/bench/service/collectors-service.js --fake-port N --clusters 100 --interval 10s --duration 5m
 * --history true` prints `{"ready": true, "metricsPort": N}` when the pollers start and, when the
 * duration is over, one JSON line with the raw figures (polls, CPU, memory samples) for the driver.
 */
import { createServer } from 'node:http'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Registry } from 'prom-client'
import { createFlinkCollector } from '../../../platforms/flink/flink-collector.js'
import { systemClock } from '../../../src/core/clock.js'
import { applyHeapPolicy } from '../../../src/core/heap-policy.js'
import { parseDuration } from '../../../src/core/duration.js'
import { EventBus } from '../../../src/core/event-bus.js'
import { createLogger } from '../../../src/core/logger.js'
import { FleetState } from '../../../src/fleet/fleet-state.js'
import { HistoryRecorder, historyCollection } from '../../../src/fleet/history.js'
import { Poller } from '../../../src/fleet/poller.js'
import { registerFleetMetrics } from '../../../src/metrics/fleet-exporter.js'
import { renderExposition } from '../../../src/metrics/exposition.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'

/** One completed poll, in ms of `performance.now()` relative to the start of polling. */
export interface BenchPoll {
  cluster: number
  start: number
  end: number
  ok: boolean
}

/** What the service reports when the run is over. */
export interface ServiceReport {
  wallMs: number
  polls: BenchPoll[]
  skipped: number
  errors: number
  cpuMicros: number
  rssMaxBytes: number
  rssEndBytes: number
  heapUsedMaxBytes: number
  scrapes: number
  scrapeMsMax: number
}

// As bin/flinkwatch.js does for `flinkwatch serve`: the service's heap policy, before anything is allocated.
applyHeapPolicy()

const { values } = parseArgs({
  options: {
    'fake-port': { type: 'string' },
    clusters: { type: 'string', default: '100' },
    interval: { type: 'string', default: '10s' },
    duration: { type: 'string', default: '5m' },
    history: { type: 'string', default: 'true' },
    watch: { type: 'string', default: '2s' },
  },
})
const fakePort = Number(values['fake-port'])
const clusters = Number(values.clusters)
const intervalMs = parseDuration(values.interval)
const durationMs = parseDuration(values.duration)
const watchMs = parseDuration(values.watch)

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

let scrapes = 0
let scrapeMsMax = 0
const server = createServer((req, res) => {
  if (req.url !== '/metrics') return void res.writeHead(404).end()
  const started = performance.now()
  renderExposition(registry).then(
    (body) => {
      scrapes++
      scrapeMsMax = Math.max(scrapeMsMax, performance.now() - started)
      res.writeHead(200, { 'content-type': registry.contentType }).end(body)
    },
    (err: unknown) => res.writeHead(500).end(String(err)),
  )
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const address = server.address()
const metricsPort = typeof address === 'object' && address ? address.port : 0

const polls: BenchPoll[] = []
let errors = 0
let skipped = 0
let t0 = 0
const pollers = ids.map((id, i) => {
  const collector = createFlinkCollector(
    { id, type: 'flink', url: `http://127.0.0.1:${fakePort}/c${i}`, pollInterval: intervalMs, requestTimeout: 5000, downAfter: 3, concurrency: 4, checkpointInterval: 60_000, metricsInterval: 60_000, watchInterval: watchMs, enabled: true },
    { clock: systemClock },
  )
  const record = (ok: boolean, ms: number) => {
    const end = performance.now() - t0
    polls.push({ cluster: i, start: end - ms, end, ok })
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
    // clusters[].watchInterval (default 2s): its requests count in the figures.
    watchIntervalMs: watchMs,
  })
})

let rssMax = 0
let heapMax = 0
const sample = () => {
  const m = process.memoryUsage()
  rssMax = Math.max(rssMax, m.rss)
  heapMax = Math.max(heapMax, m.heapUsed)
}
const memTimer = setInterval(sample, 500)
const cpu0 = process.cpuUsage()
t0 = performance.now()
for (const p of pollers) p.start()
process.stdout.write(JSON.stringify({ ready: true, metricsPort }) + '\n')

await new Promise((r) => setTimeout(r, durationMs))
await Promise.all(pollers.map((p) => p.stop()))
const wallMs = performance.now() - t0
const cpu = process.cpuUsage(cpu0)
sample()
clearInterval(memTimer)
const report: ServiceReport = {
  wallMs,
  polls,
  skipped,
  errors,
  cpuMicros: cpu.user + cpu.system,
  rssMaxBytes: rssMax,
  rssEndBytes: process.memoryUsage().rss,
  heapUsedMaxBytes: heapMax,
  scrapes,
  scrapeMsMax,
}
process.stdout.write(JSON.stringify(report) + '\n')
await history.stop()
await store.close()
server.close()
// Keep-alive sockets to the fakes and the scraper must not hold the process open.
process.exit(0)
