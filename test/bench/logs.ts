/**
 * Log pipeline benchmark (`npm run bench -- logs [--lines N] [--passes K] [--partitions P] [--skip-rsyslog] [--tsx] [--keep]`).
 *
 * N realistic lines (test/integration/logs/lines.ts: 20 jobs, skewed volume, 5% stack traces) go into a fresh
 * Kafka topic; then, strictly one after another on the shared Elasticsearch, each after waiting for the machine
 * to be as quiet as it gets (other work on it is measured and reported), K passes (default 2) of the three
 * contenders in turn, each pass reported, each contender summarised by the median of its passes (run-to-run
 * noise here is about ±10%: one pass against the best of two is no comparison). Every contender's end is
 * "every line acknowledged by Elasticsearch" (answered bulks; flinkwatch's stored counter; the rsyslog index's
 * indexing counter), then the index is refreshed and counted:
 *   ceiling    the official client's helpers.bulk indexing the same documents (the produced lines, with ids
 *              and origins derived as flinkwatch derives them), built and serialised (decode, toDocument, the
 *              store's source shape, tokens) before the clock starts: only indexing is timed;
 *   flinkwatch `flinkwatch serve` as users run it (compiled dist, `node bin/flinkwatch.js serve`, its own
 *              process) consuming the topic; CPU from /proc, RSS from /metrics and VmHWM; `--tsx` runs the
 *              sources under tsx instead (what this benchmark did before: tsx alone is ~100 MB of RSS);
 *   rsyslog    Debian's rsyslogd (imkafka → mmjsonparse → omelasticsearch) consuming the same topic.
 * For each: lines/s and CPU seconds per million lines of the contender and of Elasticsearch (the figures that
 * do not depend on what else the machine runs). Then freshness under a live trickle, and search latency through
 * /api/v1/logs/search next to the same ES query sent directly. Prints one JSON document. Targets are reported,
 * not asserted. `--cpu-prof DIR` runs the first pass's flinkwatch with --cpu-prof and --heap-prof into DIR;
 * `--node-arg=FLAG` (repeatable) gives flinkwatch's node more flags.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Client } from '@elastic/elasticsearch'
import { Partitioners } from 'kafkajs'
import { kafkaLogId, kafkaLogOrigin } from '../../collectors/kafka-logs/record-id.js'
import { decodeLog } from '../../src/logs/decode/decode.js'
import { LOGS_COLLECTION, logsCollection, toDocument } from '../../src/logs/document.js'
import { parseLogQuery } from '../../src/logs/query/parse.js'
import { toStoreQuery, type LogFilters } from '../../src/logs/query/to-store-query.js'
import { BODY_TS_FIELD, ID_FIELD, TOKENS_FIELD, textFieldKey, unicode61Tokens } from '../../src/storage/es-mapping.js'
import { buildSearch } from '../../src/storage/es-query.js'
import { ElasticsearchStore } from '../../src/storage/elasticsearch-store.js'
import { STACK, createTopic, uniqueId, waitFor } from '../helpers/stack.js'
import { FlinkwatchProcess, buildDist, deleteKafkaLeftovers, freePort, metricValue, produceLines } from '../integration/logs/harness.js'
import { JOBS, makeLine, rng } from '../integration/logs/lines.js'

const MB = 1024 * 1024
const SCRAPE_MS = 250

export default async function logsBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      lines: { type: 'string', default: '1000000' },
      partitions: { type: 'string', default: '3' },
      'skip-rsyslog': { type: 'boolean', default: false },
      'skip-ceiling': { type: 'boolean', default: false },
      'skip-search': { type: 'boolean', default: false },
      /** Passes per contender (interleaved); each is reported, the median summarises. */
      passes: { type: 'string', default: '2' },
      tsx: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      /** Extra node flags for flinkwatch's process (e.g. --node-arg=--max-semi-space-size=32), repeatable. */
      'node-arg': { type: 'string', multiple: true, default: [] },
      /** Waits (up to this many seconds) before each contender for the machine to be quiet. */
      'quiet-wait': { type: 'string', default: '300' },
    },
    strict: true,
  })
  const N = Number(values.lines)
  const partitions = Number(values.partitions)
  const passes = Math.max(1, Math.trunc(Number(values.passes)))
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
  const groups = (base: string): string[] => Array.from({ length: Number(values.passes) || 1 }, (_, k) => `${base}-${k + 1}`)
  const out: Record<string, unknown> = { lines: N, partitions, passes, cpus: cpus().length }
  const quietWaitMs = Number(values['quiet-wait']) * 1000
  const esPid = await elasticsearchPid(es)

  try {
    // ---- input -------------------------------------------------------------------------------------------
    await createTopic(topic, partitions)
    cleanups.push(() => deleteKafkaLeftovers([topic], [...groups(group), ...groups(rsGroup)]))
    let t = performance.now()
    const parts = 4
    await Promise.all(Array.from({ length: parts }, (_, k) => produceLines(topic, Math.floor((k * N) / parts), Math.floor(((k + 1) * N) / parts), gen, 1000)))
    log(`produced ${N} lines in ${((performance.now() - t) / 1000).toFixed(1)} s`)

    // ---- (b) ceiling: helpers.bulk with the same documents -------------------------------------------------
    let analysis: ElasticsearchStore['analysis'] = 'native'
    for (let r = 1; r <= passes; r++) {
      // flinkwatch's own index template (mapping, analysis) on the ceiling's indices
      const store = await ElasticsearchStore.create({ type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: `${prefixes.ceiling}${r}`, requestTimeout: 120_000 })
      await store.init([logsCollection])
      await store.close()
      analysis = store.analysis
      cleanups.push(() => deletePrefix(es, `${prefixes.ceiling}${r}`))
    }
    const dayIndex = (base: string, ts: number): string => `${base}-${new Date(ts).toISOString().slice(0, 10).replace(/-/g, '.')}`
    // Built and serialised before the clock starts: the ceiling is the client's bulk helper and Elasticsearch, nothing else.
    const ceilingDocs: { index: string; id: string; source: string }[] = []
    if (!values['skip-ceiling']) {
      // The lines produceLines wrote (same parts, same seeds), with ids and origins as flinkwatch derives them
      // (partition from the key as the producer chose it; offsets in line order, which the producers interleave).
      const partitionOf = Partitioners.DefaultPartitioner()
      const partitionMetadata = Array.from({ length: partitions }, (_, p) => ({ partitionId: p, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }))
      const offsets = new Array<number>(partitions).fill(0)
      for (let k = 0; k < parts; k++) {
        const from = Math.floor((k * N) / parts)
        const r = rng(gen.seed + from)
        for (let i = from; i < Math.floor(((k + 1) * N) / parts); i++) {
          const l = makeLine(i, r, gen)
          const p = partitionOf({ topic, partitionMetadata, message: { key: l.key, value: l.value } })
          const offset = offsets[p]!++
          const at = { id: kafkaLogId(topic, p, String(offset)), origin: kafkaLogOrigin(topic, p, String(offset)) }
          const dec = decodeLog({ value: Buffer.from(l.value), key: Buffer.from(l.key), ...at, receivedAt: Date.now() }, { maxRecordBytes: 32768 })
          if (!dec.ok) continue
          const d = toDocument(dec.record)
          const source: Record<string, unknown> = { ...d.body, '@timestamp': d.timestamp, [ID_FIELD]: d.id, [BODY_TS_FIELD]: d.body['@timestamp'] }
          if (analysis === 'pretokenized') source[TOKENS_FIELD] = Object.fromEntries(logsCollection.text!.map((p, k) => [textFieldKey(k), unicode61Tokens(textOf(d.body, p)).join(' ')]))
          ceilingDocs.push({ index: dayIndex(`${prefixes.ceiling}-${LOGS_COLLECTION}`, d.timestamp), id: d.id, source: JSON.stringify(source) })
        }
      }
    }
    const ceilingRun = async (pass: number): Promise<Record<string, unknown> & { linesPerSecond: number }> => {
      const quiet = await waitQuiet(quietWaitMs, log)
      const docs = ceilingDocs.map((d) => ({ action: { create: { _index: d.index.replace(prefixes.ceiling, `${prefixes.ceiling}${pass}`), _id: d.id } }, source: d.source }))
      const usage = new Usage(esPid)
      const cpu0 = process.cpuUsage()
      const started = performance.now()
      const bulk = await es.helpers.bulk<{ action: { create: { _index: string; _id: string } }; source: string }>({
        datasource: docs,
        onDocument: (doc) => [doc.action, doc.source as unknown as Record<string, unknown>],
        onDrop: () => undefined,
      })
      const sec = (performance.now() - started) / 1000
      const cpu = process.cpuUsage(cpu0)
      const u = usage.end()
      const work = await esWork(es, `${prefixes.ceiling}${pass}-${LOGS_COLLECTION}-*`)
      await es.indices.refresh({ index: `${prefixes.ceiling}${pass}-*` })
      const indexed = (await es.count({ index: `${prefixes.ceiling}${pass}-${LOGS_COLLECTION}-*` })).count
      await es.indices.delete({ index: `${prefixes.ceiling}${pass}-*` })
      const cpuSec = (cpu.user + cpu.system) / 1e6
      const r = {
        linesPerSecond: round1(N / sec),
        seconds: round1(sec),
        indexed,
        failed: bulk.failed,
        retried: bulk.retry,
        cpuSecondsPerMillionLines: round((cpuSec / N) * 1e6),
        esCpuSecondsPerMillionLines: round((u.es / N) * 1e6),
        othersBusyCpus: round(Math.max(0, u.machine - u.es - cpuSec) / sec, 2),
        quietBefore: quiet,
        esWork: work,
      }
      log(`ceiling run ${pass}: ${JSON.stringify(r)}`)
      return r
    }

    // ---- (a) flinkwatch ----------------------------------------------------------------------------------
    const compiled = !values.tsx
    if (compiled) {
      t = performance.now()
      buildDist()
      log(`built dist in ${((performance.now() - t) / 1000).toFixed(1)} s`)
    }
    const fwConfig = (pass: number): Record<string, unknown> => ({
      storage: { type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: `${prefixes.flinkwatch}${pass}` },
      logs: {
        kafka: { brokers: [STACK.kafka], topics: [topic], groupId: `${group}-${pass}` },
        rateLimit: { perJob: { linesPerSecond: 1e6, burst: 1e6 }, perTaskManager: { linesPerSecond: 1e6, burst: 1e6 } },
      },
    })
    const fwProcess = async (pass: number, prof: boolean): Promise<FlinkwatchProcess> => {
      const fw = new FlinkwatchProcess(
        fwConfig(pass),
        await freePort(),
        undefined,
        [...(values['node-arg'] ?? []), ...(prof && values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof'], '--heap-prof', '--heap-prof-dir', values['cpu-prof']] : [])],
        compiled,
      )
      cleanups.push(() => fw.kill('SIGTERM'))
      return fw
    }
    const flinkwatchRun = async (pass: number): Promise<Record<string, unknown> & { linesPerSecond: number }> => {
      cleanups.push(() => deletePrefix(es, `${prefixes.flinkwatch}${pass}`))
      // Only the first pass is profiled (profiling slows the process down).
      const fw = await fwProcess(pass, pass === 1)
      const fwQuiet = await waitQuiet(quietWaitMs, log)
      await fw.start()
      const t0 = performance.now()
      const first = await scrape(fw.url)
      const fwUsage = new Usage(esPid)
      const fwCpu0 = procStat(fw.pid!)?.cpu ?? first.cpu
      let peakRss = first.rss
      let peakHeap = first.heap
      let peakExternal = first.external
      let last = first
      // One /metrics scrape per 250 ms serves both the peaks and the end (a scrape costs the service CPU too;
      // rsyslog's end is polled the same 250 ms apart, through Elasticsearch's indexing counter).
      const tick = setInterval(() => {
        scrape(fw.url)
          .then((s) => {
            peakRss = Math.max(peakRss, s.rss)
            peakHeap = Math.max(peakHeap, s.heap)
            peakExternal = Math.max(peakExternal, s.external)
            last = s
          })
          .catch(() => undefined)
      }, SCRAPE_MS)
      await waitFor('flinkwatch to store every line', async () => last.stored >= N, 3_600_000, 20)
      const fwSec = (performance.now() - t0) / 1000
      clearInterval(tick)
      const end = await scrape(fw.url)
      const fwCpu = (procStat(fw.pid!)?.cpu ?? end.cpu) - fwCpu0
      const hwm = peakRssOf(fw.pid!)
      const fwU = fwUsage.end()
      peakRss = Math.max(peakRss, end.rss)
      await fw.kill('SIGTERM')
      const work = await esWork(es, `${prefixes.flinkwatch}${pass}-${LOGS_COLLECTION}-*`)
      await es.indices.refresh({ index: `${prefixes.flinkwatch}${pass}-${LOGS_COLLECTION}` })
      const fwCount = (await es.count({ index: `${prefixes.flinkwatch}${pass}-${LOGS_COLLECTION}` })).count
      const r = {
        // Timed from the service being up (its start-up is not ingestion); lines stored before the first sample excluded.
        linesPerSecond: round((N - first.stored) / fwSec),
        seconds: round(fwSec),
        indexed: fwCount,
        cpuSeconds: round(fwCpu),
        cpuSecondsPerMillionLines: round((fwCpu / N) * 1e6),
        esCpuSecondsPerMillionLines: round((fwU.es / N) * 1e6),
        othersBusyCpus: round(Math.max(0, fwU.machine - fwU.es - fwCpu) / fwSec, 2),
        // The kernel's high-water mark (VmHWM) when readable, else the largest 250 ms sample.
        peakRssMB: round(Math.max(peakRss, hwm ?? 0) / MB),
        startRssMB: round(first.rss / MB),
        lastSampleRssMB: round(last.rss / MB),
        peakHeapTotalMB: round(peakHeap / MB),
        peakExternalMB: round(peakExternal / MB),
        profiled: pass === 1 && values['cpu-prof'] !== undefined,
        quietBefore: fwQuiet,
        esWork: work,
      }
      log(`flinkwatch run ${pass}: ${JSON.stringify(r)}`)
      return r
    }

    // ---- (c) rsyslog ----------------------------------------------------------------------------------------
    const rsyslogRun = async (pass: number): Promise<Record<string, unknown> & { linesPerSecond: number }> => {
      const dir = mkdtempSync(join(tmpdir(), 'fw-bench-rsyslog-'))
      const conf = join(dir, 'rsyslog.conf')
      const index = `${rsIndex}${pass}`
      writeFileSync(conf, rsyslogConfig(dir, topic, `${rsGroup}-${pass}`, index))
      const check = spawnSync('/usr/sbin/rsyslogd', ['-N1', '-f', conf], { encoding: 'utf8' })
      if (check.status !== 0) throw new Error(`rsyslog config check failed: ${check.stderr}`)
      cleanups.push(() => es.indices.delete({ index, ignore_unavailable: true }))
      const rsQuiet = await waitQuiet(quietWaitMs, log)
      const rsUsage = new Usage(esPid)
      const t0 = performance.now()
      const rs = spawn('/usr/sbin/rsyslogd', ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: 'ignore' })
      const rsGone = new Promise<void>((resolve) => rs.once('exit', () => resolve()))
      cleanups.push(async () => {
        if (rs.exitCode === null) (rs.kill('SIGTERM'), await rsGone)
      })
      let rsPeak = 0
      let rsCpu = 0
      // Acknowledged documents, like flinkwatch's stored counter and the helper's answered bulks: Elasticsearch's
      // indexing counter, which (unlike a count) needs no refresh and runs no search against the index.
      await waitFor('rsyslog to index every line', async () => {
        const st = procStat(rs.pid!)
        if (st) (rsPeak = Math.max(rsPeak, st.rss), (rsCpu = st.cpu))
        return (await indexedTotal(es, index)) >= N
      }, 3_600_000, SCRAPE_MS)
      const rsSec = (performance.now() - t0) / 1000
      const rsU = rsUsage.end()
      rs.kill('SIGTERM')
      await rsGone
      const work = await esWork(es, index)
      await es.indices.refresh({ index })
      const indexed = (await es.count({ index })).count
      const r = {
        linesPerSecond: round(N / rsSec),
        seconds: round(rsSec),
        indexed,
        cpuSeconds: round(rsCpu),
        cpuSecondsPerMillionLines: round((rsCpu / N) * 1e6),
        esCpuSecondsPerMillionLines: round((rsU.es / N) * 1e6),
        othersBusyCpus: round(Math.max(0, rsU.machine - rsU.es - rsCpu) / rsSec, 2),
        peakRssMB: round(rsPeak / MB),
        quietBefore: rsQuiet,
        esWork: work,
      }
      log(`rsyslog run ${pass}: ${JSON.stringify(r)}`)
      return r
    }

    // ---- the passes -----------------------------------------------------------------------------------------
    // Every contender gets the same passes, interleaved (ceiling, flinkwatch, rsyslog, then again), so a slow
    // drift of the machine touches all three alike; each pass is reported, and each contender is summarised by
    // the median of its passes (the mean of the middle two for an even count). Ratios are also given per pass.
    const runs: Record<'ceiling' | 'flinkwatch' | 'rsyslog', (Record<string, unknown> & { linesPerSecond: number })[]> = { ceiling: [], flinkwatch: [], rsyslog: [] }
    for (let pass = 1; pass <= passes; pass++) {
      if (!values['skip-ceiling']) runs.ceiling.push(await ceilingRun(pass))
      runs.flinkwatch.push(await flinkwatchRun(pass))
      if (!values['skip-rsyslog']) runs.rsyslog.push(await rsyslogRun(pass))
    }
    out['flinkwatch'] = {
      run: compiled ? 'node bin/flinkwatch.js serve --config FILE (compiled dist, own process)' : 'node --import tsx src/cli.ts serve --config FILE (own process)',
      ...(values['node-arg']?.length ? { nodeArgs: values['node-arg'] } : {}),
      metricsScrapeMs: SCRAPE_MS,
      ...summarise(runs.flinkwatch),
      peakRssMB: Math.max(...runs.flinkwatch.map((r) => r['peakRssMB'] as number)),
    }
    if (runs.ceiling.length > 0) out['ceiling'] = summarise(runs.ceiling)
    if (runs.rsyslog.length > 0) out['rsyslog'] = { ...summarise(runs.rsyslog), note: 'end polled every 250 ms through the index\'s indexing counter (acknowledged documents)' }

    // ---- freshness under a live trickle (the last pass's flinkwatch, restarted: it has read everything) --------
    const fw = await fwProcess(passes, false)
    await fw.start()
    await waitFor('flinkwatch to join its group', async () => (await fetch(`${fw.url}/readyz`)).ok, 30_000, 200).catch(() => undefined)
    const before = await (await fetch(`${fw.url}/metrics`)).text()
    const liveRate = 2000
    const liveSeconds = 15
    for (let s = 0; s < liveSeconds; s++) {
      const tick0 = performance.now()
      await produceLines(topic, N + s * liveRate, N + (s + 1) * liveRate, { start: Date.now(), stepMs: 1000 / liveRate, cluster: 'live', seed: 7 }, liveRate)
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - tick0))))
    }
    await waitFor('the live lines stored', async () => (await scrape(fw.url)).stored >= liveRate * liveSeconds, 120_000, 200)
    const after = await (await fetch(`${fw.url}/metrics`)).text()
    out['freshness'] = { p95Seconds: histogramQuantile(before, after, 'flinkwatch_logs_freshness_seconds', 0.95), p50Seconds: histogramQuantile(before, after, 'flinkwatch_logs_freshness_seconds', 0.5), liveLinesPerSecond: liveRate, note: 'record timestamp to bulk acknowledged (searchable after the next refresh, <= 1 s)' }
    log(`freshness: ${JSON.stringify(out['freshness'])}`)

    // ---- search latency: API vs the same query sent to ES directly ------------------------------------------
    if (!values['skip-search']) {
      out['search'] = await searchLatency(es, fw.url, `${prefixes.flinkwatch}${passes}-${LOGS_COLLECTION}`, analysis)
      log(`search: ${JSON.stringify(out['search'])}`)
    }
    await fw.kill('SIGTERM')
    const perPass = (a: (typeof runs)['ceiling'], b: (typeof runs)['ceiling']): number[] | null => (b.length > 0 ? a.map((r, i) => round(r.linesPerSecond / b[i]!.linesPerSecond, 3)) : null)
    out['perPassRatios'] = { flinkwatchToCeiling: perPass(runs.flinkwatch, runs.ceiling), flinkwatchToRsyslog: perPass(runs.flinkwatch, runs.rsyslog) }

    // ---- summary --------------------------------------------------------------------------------------------
    const fwRate = (out['flinkwatch'] as { linesPerSecond: number }).linesPerSecond
    const ceilRate = (out['ceiling'] as { linesPerSecond: number } | undefined)?.linesPerSecond
    const rsRate = (out['rsyslog'] as { linesPerSecond: number } | undefined)?.linesPerSecond
    const search = out['search'] as { api: { p95: number }; raw: { p95: number } } | undefined
    const fwOut = out['flinkwatch'] as { peakRssMB: number; cpuSecondsPerMillionLines: number }
    const rsCpuPerM = (out['rsyslog'] as { cpuSecondsPerMillionLines: number } | undefined)?.cpuSecondsPerMillionLines
    out['ratios'] = {
      flinkwatchToCeiling: ceilRate ? round(fwRate / ceilRate, 3) : null,
      flinkwatchToRsyslog: rsRate ? round(fwRate / rsRate, 3) : null,
      cpuPerLineFlinkwatchToRsyslog: rsCpuPerM ? round(fwOut.cpuSecondsPerMillionLines / rsCpuPerM, 3) : null,
      searchP95ApiToRaw: search ? round(search.api.p95 / search.raw.p95, 3) : null,
    }
    out['targets'] = {
      'ingest >= 0.8x ceiling': ceilRate ? fwRate >= 0.8 * ceilRate : null,
      'ingest >= 1.0x rsyslog': rsRate ? fwRate >= rsRate : null,
      'peak RSS < 400 MB': fwOut.peakRssMB < 400,
      'search p95 < 300 ms': search ? search.api.p95 < 300 : null,
      'search p95 <= 1.25x raw ES': search ? search.api.p95 <= 1.25 * search.raw.p95 : null,
    }
  } finally {
    if (!values.keep) for (const c of cleanups.reverse()) await c().catch((err: unknown) => log(`cleanup: ${String(err)}`))
    await es.close()
  }
  console.log(JSON.stringify(out, null, 2))
}

// ---- helpers ------------------------------------------------------------------------------------------------

/** A contender's passes: the median pass's figures (mean of the middle two for an even count), and every pass. */
function summarise(runs: (Record<string, unknown> & { linesPerSecond: number })[]): Record<string, unknown> {
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b)
    const m = Math.floor(s.length / 2)
    return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
  }
  const keys = ['linesPerSecond', 'seconds', 'cpuSecondsPerMillionLines', 'esCpuSecondsPerMillionLines', 'othersBusyCpus'] as const
  const summary: Record<string, unknown> = {}
  for (const k of keys) summary[k] = round(median(runs.map((r) => Number(r[k]))), k === 'othersBusyCpus' ? 2 : 1)
  summary['totalCpuSecondsPerMillionLines'] = round(Number(summary['cpuSecondsPerMillionLines']) + Number(summary['esCpuSecondsPerMillionLines']))
  summary['runs'] = runs
  return summary
}

/** Documents Elasticsearch has indexed into an index (primaries), acknowledged or about to be; no refresh needed. */
async function indexedTotal(es: Client, index: string): Promise<number> {
  try {
    const s = await es.indices.stats({ index, metric: 'indexing', filter_path: '_all.primaries.indexing.index_total' })
    return s._all.primaries?.indexing?.index_total ?? 0
  } catch {
    return 0
  }
}

/**
 * What Elasticsearch did for a contender's documents (primaries): indexing, refresh and merge time and counts,
 * and the segments left. Explains a difference in Elasticsearch CPU between contenders with the same documents.
 */
async function esWork(es: Client, index: string): Promise<Record<string, number>> {
  const s = await es.indices.stats({ index, metric: ['indexing', 'refresh', 'merge', 'flush', 'segments'] })
  const p = s._all.primaries
  return {
    indexMs: p?.indexing?.index_time_in_millis ?? 0,
    refreshes: p?.refresh?.total ?? 0,
    refreshMs: p?.refresh?.total_time_in_millis ?? 0,
    merges: p?.merges?.total ?? 0,
    mergeMs: p?.merges?.total_time_in_millis ?? 0,
    mergedDocs: p?.merges?.total_docs ?? 0,
    flushes: p?.flush?.total ?? 0,
    segments: p?.segments?.count ?? 0,
  }
}

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

async function scrape(url: string): Promise<{ stored: number; cpu: number; rss: number; heap: number; external: number }> {
  const text = await (await fetch(`${url}/metrics`)).text()
  return {
    stored: metricValue(text, 'flinkwatch_logs_records_stored_total'),
    cpu: metricValue(text, 'process_cpu_seconds_total'),
    rss: metricValue(text, 'process_resident_memory_bytes'),
    heap: metricValue(text, 'nodejs_heap_size_total_bytes'),
    external: metricValue(text, 'nodejs_external_memory_bytes'),
  }
}

/** Peak resident set size (VmHWM) of a live process, in bytes. */
function peakRssOf(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

/** Busy CPUs (all processes) from /proc/stat. */
function machineCpuSeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  const f = line.trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / 100
}

/** CPU seconds used by Elasticsearch and by the whole machine between construction and end(). */
class Usage {
  private readonly es0: number
  private readonly m0 = machineCpuSeconds()
  constructor(private readonly esPid: number | undefined) {
    this.es0 = esPid ? (procStat(esPid)?.cpu ?? 0) : 0
  }
  end(): { es: number; machine: number } {
    return { es: this.esPid ? (procStat(this.esPid)?.cpu ?? 0) - this.es0 : 0, machine: machineCpuSeconds() - this.m0 }
  }
}

/**
 * Waits until the machine is quiet (the busy CPUs over 5 s below a quarter of one CPU more than Elasticsearch's
 * own idle work), at most maxMs, and reports how busy it was when the contender started.
 */
async function waitQuiet(maxMs: number, log: (m: string) => void): Promise<{ busyCpus: number; waitedSeconds: number }> {
  const t0 = performance.now()
  let busy = Infinity
  for (;;) {
    const m0 = machineCpuSeconds()
    await new Promise((r) => setTimeout(r, 5000))
    busy = (machineCpuSeconds() - m0) / 5
    if (busy < 0.35 || performance.now() - t0 > maxMs) break
    log(`waiting for a quiet machine (${busy.toFixed(2)} CPUs busy)`)
  }
  return { busyCpus: round(busy, 2), waitedSeconds: round((performance.now() - t0) / 1000) }
}

async function elasticsearchPid(es: Client): Promise<number | undefined> {
  try {
    const info = await es.nodes.info({ node_id: '_local', metric: 'process' })
    const pid = Object.values(info.nodes)[0]?.process?.id
    return typeof pid === 'number' && procStat(pid) ? pid : undefined
  } catch {
    return undefined
  }
}

/** CPU seconds and RSS bytes of a process from /proc. */
function procStat(pid: number): { cpu: number; rss: number } | undefined {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
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
      await es.search({
        index,
        ignore_unavailable: true,
        allow_no_indices: true,
        query: parts.query,
        sort: parts.sort,
        size: 101,
        track_total_hits: 10_000,
        seq_no_primary_term: true,
        _source_excludes: [TOKENS_FIELD],
      })
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
