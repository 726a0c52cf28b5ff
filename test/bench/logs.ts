/**
 * Log pipeline benchmark (`npm run bench -- logs [--lines N] [--partitions P] [--skip-rsyslog] [--keep]`).
 *
 * N realistic lines (test/integration/logs/lines.ts: 20 jobs, skewed volume, 5% stack traces) go into a fresh
 * Kafka topic; then, one after another on the shared Elasticsearch:
 *   ceiling    the official client's helpers.bulk indexing the same documents (decode + toDocument + the
 *              store's source shape, into an index with flinkwatch's template), no Kafka;
 *   flinkwatch `flinkwatch serve` as a child process consuming the topic; CPU and RSS sampled from /metrics;
 *   rsyslog    Debian's rsyslogd (imkafka → mmjsonparse → omelasticsearch) consuming the same topic.
 * Then freshness under a live trickle, and search latency through /api/v1/logs/search next to the same ES
 * query sent directly. Prints one JSON document. Targets are reported, not asserted.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Client } from '@elastic/elasticsearch'
import { decodeLog } from '../../src/logs/decode/decode.js'
import { LOGS_COLLECTION, logsCollection, toDocument } from '../../src/logs/document.js'
import { parseLogQuery } from '../../src/logs/query/parse.js'
import { toStoreQuery, type LogFilters } from '../../src/logs/query/to-store-query.js'
import { BODY_TS_FIELD, ID_FIELD, TOKENS_FIELD, textFieldKey, unicode61Tokens } from '../../src/storage/es-mapping.js'
import { buildSearch } from '../../src/storage/es-query.js'
import { ElasticsearchStore } from '../../src/storage/elasticsearch-store.js'
import { STACK, createTopic, uniqueId, waitFor } from '../helpers/stack.js'
import { FlinkwatchProcess, deleteKafkaLeftovers, freePort, metricValue, produceLines } from '../integration/logs/harness.js'
import { JOBS, makeLine, rng } from '../integration/logs/lines.js'

const MB = 1024 * 1024

export default async function logsBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { lines: { type: 'string', default: '1000000' }, partitions: { type: 'string', default: '3' }, 'skip-rsyslog': { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } },
    strict: true,
  })
  const N = Number(values.lines)
  const partitions = Number(values.partitions)
  const es = new Client({ node: STACK.elasticsearch, requestTimeout: 120_000 })
  const run = uniqueId('fwbench').replace(/-/g, '')
  const topic = `fw-bench-logs-${run}`
  const group = `g-bench-fw-${run}`
  const rsGroup = `g-bench-rs-${run}`
  const prefixes = { ceiling: `${run}-ceil`, flinkwatch: `${run}-fw` }
  const rsIndex = `${run}-rsyslog`
  const T0 = Date.now() - N * 2 - 3_600_000
  const gen = { start: T0, stepMs: 2, cluster: 'bench', seed: 42 }
  const log = (msg: string): void => void process.stderr.write(`[bench logs ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)
  const cleanups: (() => Promise<unknown>)[] = []
  const out: Record<string, unknown> = { lines: N, partitions }

  try {
    // ---- input -------------------------------------------------------------------------------------------
    await createTopic(topic, partitions)
    cleanups.push(() => deleteKafkaLeftovers([topic], [group, rsGroup]))
    let t = performance.now()
    const parts = 4
    await Promise.all(Array.from({ length: parts }, (_, k) => produceLines(topic, Math.floor((k * N) / parts), Math.floor(((k + 1) * N) / parts), gen, 1000)))
    log(`produced ${N} lines in ${((performance.now() - t) / 1000).toFixed(1)} s`)

    // ---- (b) ceiling: helpers.bulk with the same documents -------------------------------------------------
    let analysis: ElasticsearchStore['analysis'] = 'native'
    for (const r of [1, 2]) {
      // flinkwatch's own index template (mapping, analysis) on the ceiling's indices
      const store = await ElasticsearchStore.create({ type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: `${prefixes.ceiling}${r}`, requestTimeout: '120s' })
      await store.init([logsCollection])
      await store.close()
      analysis = store.analysis
      cleanups.push(() => deletePrefix(es, `${prefixes.ceiling}${r}`))
    }
    const dayIndex = (base: string, ts: number): string => `${base}-${new Date(ts).toISOString().slice(0, 10).replace(/-/g, '.')}`
    function* documents(): Generator<{ index: string; id: string; source: Record<string, unknown> }> {
      const r = rng(gen.seed)
      for (let i = 0; i < N; i++) {
        const l = makeLine(i, r, gen)
        const out = decodeLog({ value: Buffer.from(l.value), key: Buffer.from(l.key), id: `c-${i}`, origin: `bench/${i}`, receivedAt: Date.now() }, { maxRecordBytes: 32768 })
        if (!out.ok) continue
        const d = toDocument(out.record)
        const source: Record<string, unknown> = { ...d.body, '@timestamp': d.timestamp, [ID_FIELD]: d.id, [BODY_TS_FIELD]: d.body['@timestamp'] }
        if (analysis === 'pretokenized') source[TOKENS_FIELD] = Object.fromEntries(logsCollection.text!.map((p, k) => [textFieldKey(k), unicode61Tokens(textOf(d.body, p)).join(' ')]))
        yield { index: dayIndex(`${prefixes.ceiling}-${LOGS_COLLECTION}`, d.timestamp), id: d.id, source }
      }
    }
    // The machine is shared and noisy: the ceiling runs before and after flinkwatch, and the faster run counts.
    const ceilingRun = async (round: number): Promise<{ linesPerSecond: number; seconds: number; indexed: number; failed: number; retried: number; benchProcessCpuSeconds: number; loadAverage: number }> => {
      const ids = new Map<Record<string, unknown>, { index: string; id: string }>()
      const cpu0 = process.cpuUsage()
      const started = performance.now()
      const bulk = await es.helpers.bulk({
        datasource: (async function* () {
          for (const d of documents()) {
            ids.set(d.source, d)
            yield d.source
          }
        })(),
        onDocument: (doc) => {
          const d = ids.get(doc as Record<string, unknown>)!
          ids.delete(doc as Record<string, unknown>)
          return { create: { _index: d.index.replace(prefixes.ceiling, `${prefixes.ceiling}${round}`), _id: d.id } }
        },
        onDrop: () => undefined,
      })
      const sec = (performance.now() - started) / 1000
      const cpu = process.cpuUsage(cpu0)
      await es.indices.refresh({ index: `${prefixes.ceiling}${round}-*` })
      const indexed = (await es.count({ index: `${prefixes.ceiling}${round}-${LOGS_COLLECTION}-*` })).count
      await es.indices.delete({ index: `${prefixes.ceiling}${round}-*` })
      const r = { linesPerSecond: round1(N / sec), seconds: round1(sec), indexed, failed: bulk.failed, retried: bulk.retry, benchProcessCpuSeconds: round1((cpu.user + cpu.system) / 1e6), loadAverage: round1(loadavg()[0]!) }
      log(`ceiling run ${round}: ${JSON.stringify(r)}`)
      return r
    }
    const ceilingRuns = [await ceilingRun(1)]

    // ---- (a) flinkwatch ----------------------------------------------------------------------------------
    const fw = new FlinkwatchProcess(
      {
        storage: { type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: prefixes.flinkwatch },
        logs: {
          kafka: { brokers: [STACK.kafka], topics: [topic], groupId: group },
          rateLimit: { perJob: { linesPerSecond: 1e6, burst: 1e6 }, perTaskManager: { linesPerSecond: 1e6, burst: 1e6 } },
        },
      },
      await freePort(),
    )
    cleanups.push(() => fw.kill('SIGTERM'))
    cleanups.push(() => deletePrefix(es, prefixes.flinkwatch))
    await fw.start()
    t = performance.now()
    const first = await scrape(fw.url)
    let peakRss = first.rss
    let last = first
    const tick = setInterval(() => {
      scrape(fw.url).then((s) => ((peakRss = Math.max(peakRss, s.rss)), (last = s))).catch(() => undefined)
    }, 250)
    await waitFor('flinkwatch to store every line', async () => (await scrape(fw.url)).stored >= N, 3_600_000, 100)
    const fwSec = (performance.now() - t) / 1000
    clearInterval(tick)
    const end = await scrape(fw.url)
    peakRss = Math.max(peakRss, end.rss)
    await es.indices.refresh({ index: `${prefixes.flinkwatch}-${LOGS_COLLECTION}` })
    const fwCount = (await es.count({ index: `${prefixes.flinkwatch}-${LOGS_COLLECTION}` })).count
    out['flinkwatch'] = {
      loadAverage: round1(loadavg()[0]!),
      // Timed from the service being up (its start-up is not ingestion); lines stored before the first sample excluded.
      linesPerSecond: round((N - first.stored) / fwSec),
      seconds: round(fwSec),
      indexed: fwCount,
      cpuSeconds: round(end.cpu - first.cpu),
      cpuSecondsPerMillionLines: round(((end.cpu - first.cpu) / N) * 1e6),
      peakRssMB: round(peakRss / MB),
      lastSampleRssMB: round(last.rss / MB),
    }
    log(`flinkwatch: ${JSON.stringify(out['flinkwatch'])}`)

    ceilingRuns.push(await ceilingRun(2))
    out['ceiling'] = { ...ceilingRuns.reduce((a, b) => (b.linesPerSecond > a.linesPerSecond ? b : a)), runs: ceilingRuns.map((r) => r.linesPerSecond) }

    // ---- freshness under a live trickle ------------------------------------------------------------------
    const before = await (await fetch(`${fw.url}/metrics`)).text()
    const liveRate = 2000
    const liveSeconds = 15
    for (let s = 0; s < liveSeconds; s++) {
      const tick0 = performance.now()
      await produceLines(topic, N + s * liveRate, N + (s + 1) * liveRate, { start: Date.now(), stepMs: 1000 / liveRate, cluster: 'live', seed: 7 }, liveRate)
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - tick0))))
    }
    await waitFor('the live lines stored', async () => (await scrape(fw.url)).stored >= N + liveRate * liveSeconds, 120_000, 200)
    const after = await (await fetch(`${fw.url}/metrics`)).text()
    out['freshness'] = { p95Seconds: histogramQuantile(before, after, 'flinkwatch_logs_freshness_seconds', 0.95), p50Seconds: histogramQuantile(before, after, 'flinkwatch_logs_freshness_seconds', 0.5), liveLinesPerSecond: liveRate, note: 'record timestamp to bulk acknowledged (searchable after the next refresh, <= 1 s)' }
    log(`freshness: ${JSON.stringify(out['freshness'])}`)

    // ---- search latency: API vs the same query sent to ES directly ------------------------------------------
    out['search'] = await searchLatency(es, fw.url, `${prefixes.flinkwatch}-${LOGS_COLLECTION}`, analysis)
    log(`search: ${JSON.stringify(out['search'])}`)
    await fw.kill('SIGTERM')

    // ---- (c) rsyslog ----------------------------------------------------------------------------------------
    if (!values['skip-rsyslog']) {
      const dir = mkdtempSync(join(tmpdir(), 'fw-bench-rsyslog-'))
      const conf = join(dir, 'rsyslog.conf')
      writeFileSync(conf, rsyslogConfig(dir, topic, rsGroup, rsIndex))
      const check = spawnSync('/usr/sbin/rsyslogd', ['-N1', '-f', conf], { encoding: 'utf8' })
      if (check.status !== 0) throw new Error(`rsyslog config check failed: ${check.stderr}`)
      cleanups.push(() => es.indices.delete({ index: rsIndex, ignore_unavailable: true }))
      t = performance.now()
      const rs = spawn('/usr/sbin/rsyslogd', ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: 'ignore' })
      const rsGone = new Promise<void>((resolve) => rs.once('exit', () => resolve()))
      cleanups.push(async () => {
        if (rs.exitCode === null) (rs.kill('SIGTERM'), await rsGone)
      })
      let rsPeak = 0
      let rsCpu = 0
      await waitFor('rsyslog to index every line', async () => {
        const st = procStat(rs.pid!)
        if (st) (rsPeak = Math.max(rsPeak, st.rss), (rsCpu = st.cpu))
        const c = await es.count({ index: rsIndex }).catch(() => ({ count: 0 }))
        return c.count >= N
      }, 3_600_000, 250)
      const rsSec = (performance.now() - t) / 1000
      rs.kill('SIGTERM')
      await rsGone
      out['rsyslog'] = { linesPerSecond: round(N / rsSec), seconds: round(rsSec), cpuSeconds: round(rsCpu), peakRssMB: round(rsPeak / MB), note: 'count polled every 250 ms (index refresh 1 s)' }
      log(`rsyslog: ${JSON.stringify(out['rsyslog'])}`)
    }

    // ---- summary --------------------------------------------------------------------------------------------
    const fwRate = (out['flinkwatch'] as { linesPerSecond: number }).linesPerSecond
    const ceilRate = (out['ceiling'] as { linesPerSecond: number }).linesPerSecond
    const rsRate = (out['rsyslog'] as { linesPerSecond: number } | undefined)?.linesPerSecond
    const search = out['search'] as { api: { p95: number }; raw: { p95: number } }
    const fwOut = out['flinkwatch'] as { peakRssMB: number }
    out['ratios'] = { flinkwatchToCeiling: round(fwRate / ceilRate, 3), flinkwatchToRsyslog: rsRate ? round(fwRate / rsRate, 3) : null, searchP95ApiToRaw: round(search.api.p95 / search.raw.p95, 3) }
    out['targets'] = {
      'ingest >= 0.8x ceiling': fwRate >= 0.8 * ceilRate,
      'ingest >= 1.0x rsyslog': rsRate ? fwRate >= rsRate : null,
      'peak RSS < 400 MB': fwOut.peakRssMB < 400,
      'search p95 < 300 ms': search.api.p95 < 300,
      'search p95 <= 1.25x raw ES': search.api.p95 <= 1.25 * search.raw.p95,
    }
  } finally {
    if (!values.keep) for (const c of cleanups.reverse()) await c().catch((err: unknown) => log(`cleanup: ${String(err)}`))
    await es.close()
  }
  console.log(JSON.stringify(out, null, 2))
}

// ---- helpers ------------------------------------------------------------------------------------------------

function round1(n: number): number {
  return round(n, 1)
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

function textOf(body: Record<string, unknown>, path: string): string {
  let cur: unknown = body
  for (const part of path.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined
  return typeof cur === 'string' ? cur : ''
}

async function deletePrefix(es: Client, prefix: string): Promise<void> {
  await es.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true })
  await es.indices.deleteIndexTemplate({ name: `${prefix}-*` }).catch(() => undefined)
}

async function scrape(url: string): Promise<{ stored: number; cpu: number; rss: number }> {
  const text = await (await fetch(`${url}/metrics`)).text()
  return { stored: metricValue(text, 'flinkwatch_logs_records_stored_total'), cpu: metricValue(text, 'process_cpu_seconds_total'), rss: metricValue(text, 'process_resident_memory_bytes') }
}

/** CPU seconds and RSS bytes of a process from /proc (for rsyslogd). */
function procStat(pid: number): { cpu: number; rss: number } | undefined {
  const r = spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' })
  if (r.status !== 0) return undefined
  const f = r.stdout.slice(r.stdout.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(f[11]) + Number(f[12])
  return { cpu: ticks / 100, rss: Number(f[21]) * 4096 }
}

/** A quantile of the observations made between two scrapes of a Prometheus histogram (linear within a bucket). */
function histogramQuantile(before: string, after: string, name: string, q: number): number | null {
  const buckets = (text: string): Map<number, number> => {
    const m = new Map<number, number>()
    for (const line of text.split('\n')) {
      const r = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)`).exec(line)
      if (r) m.set(r[1] === '+Inf' ? Infinity : Number(r[1]), Number(r[2]))
    }
    return m
  }
  const [b, a] = [buckets(before), buckets(after)]
  const les = [...a.keys()].sort((x, y) => x - y)
  const total = (a.get(Infinity) ?? 0) - (b.get(Infinity) ?? 0)
  if (total <= 0) return null
  let prevLe = 0
  let prevCount = 0
  for (const le of les) {
    const c = (a.get(le) ?? 0) - (b.get(le) ?? 0)
    if (c >= q * total) {
      if (le === Infinity) return prevLe
      return round(prevLe + ((le - prevLe) * (q * total - prevCount)) / Math.max(1, c - prevCount), 3)
    }
    prevLe = le
    prevCount = c
  }
  return null
}

const QUERIES: (LogFilters & { q?: string })[] = [
  { q: 'checkpoint declined' },
  { q: '"checkpoint declined"' },
  { q: 'IllegalStateException' },
  { q: 'level:error poison' },
  { q: 'watermark -timeout' },
  { job: JOBS[0]!.id },
  { job: JOBS[5]!.name, q: 'barrier' },
  { level: 'WARN,ERROR' },
  { q: 'seq=123456' },
  { q: 'backpressure rebalance', taskManager: 'tm-1' },
  { q: 'logger:org.apache.flink.runtime.checkpoint.CheckpointCoordinator completed' },
  { q: 'Frame12 invoke' },
  { q: 'snapshot state restored' },
  { cluster: 'bench' },
  { q: '"committed offsets"', job: JOBS[2]!.id },
  { q: 'partition -processed', level: 'WARN' },
  { q: 'job:job-10 timeout' },
  { q: 'subtask=3 barrier' },
  { taskManager: 'tm-3', level: 'ERROR' },
  { q: 'thread:"Source: kafka (2/4)#0" records' },
]

async function searchLatency(es: Client, apiUrl: string, index: string, analysis: ElasticsearchStore['analysis']): Promise<Record<string, unknown>> {
  const rounds = 5
  const api: number[] = []
  const raw: number[] = []
  let hits = 0
  for (let round = 0; round < rounds + 1; round++) {
    for (const { q, ...filters } of QUERIES) {
      const qs = new URLSearchParams(Object.entries({ q, ...filters, limit: '100' }).filter((e): e is [string, string] => e[1] !== undefined))
      let t = performance.now()
      const res = await fetch(`${apiUrl}/api/v1/logs/search?${qs}`)
      const body = (await res.json()) as { hits?: unknown[] }
      const apiMs = performance.now() - t
      if (!res.ok) throw new Error(`search ${qs}: HTTP ${res.status} ${JSON.stringify(body)}`)
      // The same Elasticsearch request the store sends (query, sort, size, total tracking), without flinkwatch.
      const parts = buildSearch(LOGS_COLLECTION, logsCollection, analysis, toStoreQuery(parseLogQuery(q), filters, { limit: 100 }))
      t = performance.now()
      await es.search({ index, ignore_unavailable: true, allow_no_indices: true, query: parts.query, sort: parts.sort, size: 101, track_total_hits: 10_000, seq_no_primary_term: true })
      const rawMs = performance.now() - t
      if (round === 0) continue // warm-up
      api.push(apiMs)
      raw.push(rawMs)
      hits += body.hits?.length ?? 0
    }
  }
  const pct = (xs: number[], p: number): number => {
    const s = [...xs].sort((a, b) => a - b)
    return round(s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!, 1)
  }
  return { queries: QUERIES.length, rounds, api: { p50: pct(api, 0.5), p95: pct(api, 0.95) }, raw: { p50: pct(raw, 0.5), p95: pct(raw, 0.95) }, avgHits: round(hits / api.length) }
}

function rsyslogConfig(dir: string, topic: string, group: string, index: string): string {
  const es = new URL(STACK.elasticsearch)
  return `global(workDirectory="${dir}" maxMessageSize="256k")
module(load="impstats" interval="5" format="json" log.syslog="off" log.file="${dir}/impstats.json" resetCounters="on")
module(load="imkafka")
module(load="mmjsonparse")
module(load="omelasticsearch")
template(name="esdoc" type="list") { property(name="$!all-json") }
ruleset(name="kafka2es" queue.type="LinkedList" queue.size="200000" queue.dequeueBatchSize="2000" queue.workerThreads="2") {
  action(type="mmjsonparse" cookie="" useRawMsg="on")
  if $parsesuccess == "OK" then {
    action(type="omelasticsearch" server="${es.hostname}" serverport="${es.port}" searchIndex="${index}" esVersion.major="8"
           template="esdoc" bulkmode="on" maxbytes="50m" errorFile="${dir}/es-errors.json" action.resumeRetryCount="-1")
  } else {
    action(type="omfile" file="${dir}/unparsed.log")
  }
}
input(type="imkafka" topic="${topic}" broker=["${STACK.kafka}"] consumerGroup="${group}" ruleset="kafka2es" confParam=["fetch.wait.max.ms=50"])
`
}
