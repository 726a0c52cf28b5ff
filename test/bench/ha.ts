/**
 * High-availability benchmark (`npm run bench -- ha [--clusters 300] [--jobs 100] [--failures 1000]
 * [--interval 10s] [--kill-at 60s] [--storm-at 90s] [--instances 3] [--port-base 19100] [--alertmanager true]
 * [--keep true] [--profile DIR] [--watch 2s]`; `--watch` sets clusters[].watchInterval (0s: off); `--profile` writes each surviving instance's CPU profile to DIR).
 *
 * Three `flinkwatch serve` processes (compiled, as users run them) on the stack's real Elasticsearch (an
 * index prefix of their own, deleted afterwards), HA on with its defaults, watching the collectors
 * benchmark's fake JobManagers (300 clusters × 100 jobs). Instance i calls the fakes on 127.0.0.(i+1), so
 * the fakes know which instance polled what (fake-jobmanager.ts, `--hosts`). All channels go to one
 * throttling Lark look-alike (test/fakes/chat/lark.ts: 5/s and 100/min per bot, answering code 11232 as
 * Lark does) that records every message. At `--kill-at` the instance holding most clusters is SIGKILLed; at
 * `--storm-at` 1,000 jobs (round-robin over the clusters) turn FAILED at once.
 *
 * Figures (targets printed next to them, never asserted):
 * - ownership: time from the kill until /api/v1/instances (asked of a survivor every 250 ms) shows every
 *   cluster held by a live instance other than the killed one, and until every cluster the killed instance
 *   polled was polled again by another (seen by the fakes);
 * - missed poll cycles per cluster: over the run after the first interval, a gap of g between two polls of
 *   a cluster (by anyone) misses round(g / interval) − 1 cycles (the tail to the end counts too);
 * - cycle time per instance: per interval window, the longest poll the instance ran in it (from its
 *   `/overview` + `/jobs/overview` to the last request of that poll, as the fakes saw them); p95 over the
 *   windows (the collectors benchmark's cycle with random start offsets instead of lockstep ticks);
 * - CPU (share of one core) and RSS of each flinkwatch process from /proc; requests per job per minute;
 * - the storm: jobs never named in a job-failed FIRING message (lost), named in more than one (duplicated),
 *   rate-limit answers (throttled), time from the failures until the last of them was first named;
 * - the fleet mirror's store cost at this size: writes/s and bytes/s into its index (Elasticsearch _stats
 *   and the mean size of its documents), and the searches the other instances run on it.
 *
 * Baseline in the same run (after flinkwatch, so they do not share the CPU): two Alertmanager peers
 * (Debian's prometheus-alertmanager, `--cluster.listen-address`/`--cluster.peer`) fed the same 1,000 alerts
 * on both peers (POST /api/v2/alerts, as Prometheus does), routed by webhook through the alerts benchmark's
 * adapter (one Lark message per webhook call) to their own look-alike; one peer SIGKILLed as flinkwatch's
 * was (the same time before the storm), and again 1 s after the storm (while it notifies): duplicates and
 * throttled sends of each.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { parseDuration } from '../../src/core/duration.js'
import { FakeLarkBot } from '../fakes/chat/lark.js'
import type { FakeReceiver } from '../fakes/chat/receiver.js'
import { ROOT, STACK } from '../helpers/stack.js'
import { FlinkwatchProcess, buildDist } from '../integration/logs/harness.js'
import { AM_BIN, SECRET, adapter, sleep, until } from './alerts.js'
import { pct, round, startFakeJobManagers } from './collectors.js'

const NAME = /\bjob-\d+-\d+\b/g
const CLK_TCK = 100

interface InstancesBody {
  instances: { id: string; alive: boolean; clusters: string[]; channels: string[] }[]
}
interface SeenPoll {
  host: number
  start: number
  end: number
}
interface ProcSample {
  at: number
  cpuTicks: number
  rssBytes: number
}

/** utime + stime (clock ticks) and RSS of one process, from /proc; undefined once it is gone. */
function procSample(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
    return { at: Date.now(), cpuTicks: Number(f[11]) + Number(f[12]), rssBytes: rssKb * 1024 }
  } catch {
    return undefined
  }
}

function cpuShare(samples: ProcSample[], from = 0, to = Infinity): number | null {
  const s = samples.filter((x) => x.at >= from && x.at <= to)
  if (s.length < 2) return null
  const a = s[0]!
  const b = s[s.length - 1]!
  return round((b.cpuTicks - a.cpuTicks) / CLK_TCK / ((b.at - a.at) / 1000), 3)
}

/** The card's title and text of a delivered Lark message. */
function larkText(body: string): { title: string; text: string } {
  try {
    const j = JSON.parse(body) as { card?: { header?: { title?: { content?: string } }; body?: { elements?: { content?: string }[] } } }
    return { title: j.card?.header?.title?.content ?? '', text: (j.card?.body?.elements ?? []).map((e) => e.content ?? '').join('\n') }
  } catch {
    return { title: '', text: body }
  }
}

interface StormFigures {
  failed: number
  lost: number
  duplicated: number
  throttled: number
  timeUntilAllNamedMs: number | null
  timeUntilFirstNamedMs: number | null
  messages: number
  /** When each job was first named (not printed). */
  firstNamed?: Map<string, number>
}

/** Who was named when, in the messages `isStorm` keeps (FIRING of the failure), after `t0`. */
function stormFigures(fake: FakeReceiver, names: readonly string[], t0: number, throttledBefore: number, isStorm: (title: string, text: string) => boolean): StormFigures {
  const wanted = new Set(names)
  const seen = new Map<string, number>()
  const firstNamed = new Map<string, number>()
  let allAt: number | null = null
  let firstAt: number | null = null
  let messages = 0
  for (const d of fake.delivered) {
    if (d.at < t0) continue
    const { title, text } = larkText(d.body)
    if (!isStorm(title, text)) continue
    messages++
    for (const n of new Set(`${title}\n${text}`.match(NAME) ?? [])) {
      if (!wanted.has(n)) continue
      seen.set(n, (seen.get(n) ?? 0) + 1)
      if (!firstNamed.has(n)) firstNamed.set(n, d.at)
      firstAt ??= d.at
    }
    if (allAt === null && seen.size >= wanted.size) allAt = d.at
  }
  return {
    failed: wanted.size,
    lost: wanted.size - seen.size,
    duplicated: [...seen.values()].filter((n) => n > 1).length,
    throttled: fake.throttled - throttledBefore,
    timeUntilAllNamedMs: allAt === null ? null : allAt - t0,
    timeUntilFirstNamedMs: firstAt === null ? null : firstAt - t0,
    messages,
    firstNamed,
  }
}

async function esJson<T>(path: string, init?: RequestInit): Promise<T> {
  const r = await fetch(`${STACK.elasticsearch}${path}`, { ...init, headers: { 'content-type': 'application/json', ...init?.headers } })
  return (await r.json()) as T
}

interface IndexStats {
  indexTotal: number
  queryTotal: number
  storeBytes: number
  docs: number
}
async function indexStats(prefix: string): Promise<Record<string, IndexStats>> {
  const r = await esJson<{ indices?: Record<string, { total: { indexing: { index_total: number }; search: { query_total: number }; store: { size_in_bytes: number }; docs: { count: number } } }> }>(`/${prefix}-*/_stats/indexing,search,store,docs`)
  const out: Record<string, IndexStats> = {}
  for (const [name, s] of Object.entries(r.indices ?? {})) {
    out[name.slice(prefix.length + 1)] = { indexTotal: s.total.indexing.index_total, queryTotal: s.total.search.query_total, storeBytes: s.total.store.size_in_bytes, docs: s.total.docs.count }
  }
  return out
}

async function meanDocBytes(index: string): Promise<number> {
  const r = await esJson<{ hits?: { hits: { _source: unknown }[] } }>(`/${index}/_search?size=100`)
  const hits = r.hits?.hits ?? []
  return hits.length === 0 ? 0 : Math.round(hits.reduce((n, h) => n + Buffer.byteLength(JSON.stringify(h._source)), 0) / hits.length)
}

async function runFlinkwatch(o: {
  clusters: number
  jobsPer: number
  failures: number
  intervalMs: number
  /** clusters[].watchInterval; null: the default. */
  watch: string | null
  killAtMs: number
  stormAtMs: number
  instances: number
  portBase: number
  dir: string
  profileDir?: string
}): Promise<Record<string, unknown>> {
  const hosts = Array.from({ length: o.instances }, (_, i) => `127.0.0.${i + 1}`)
  const fake = await startFakeJobManagers({ clusters: o.clusters, jobs: o.jobsPer, churn: '0.01', hosts })
  const lark = await new FakeLarkBot(SECRET).start()
  const prefix = `fwbenchha-${Date.now().toString(36)}`
  const ids = Array.from({ length: o.instances }, (_, i) => `fw-${i}`)
  const procs = ids.map((id, i) => {
    const dir = join(o.dir, id)
    mkdirSync(dir, { recursive: true })
    return new FlinkwatchProcess(
      {
        storage: { type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: prefix },
        ha: { enabled: true, instanceId: id },
        clusters: Array.from({ length: o.clusters }, (_, c) => ({ id: `c${c}`, type: 'flink', url: `http://${hosts[i]}:${fake.port}/c${c}`, pollInterval: `${o.intervalMs}ms`, ...(o.watch ? { watchInterval: o.watch } : {}) })),
        alerting: { rulesFile: join(ROOT, 'config/rules.yaml'), channels: [{ id: 'oncall-lark', type: 'lark', url: `${lark.url}/open-apis/bot/v2/hook/x`, secret: SECRET }] },
      },
      o.portBase + 1 + i,
      dir,
      // Written when the process exits (the survivors at the end; the killed instance writes none).
      o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`, `--cpu-prof-name=${id}.cpuprofile`] : [],
      true,
    )
  })
  const samples = new Map<string, ProcSample[]>(ids.map((id) => [id, []]))
  const pids = new Map<string, number>()
  const ownership: { at: number; owned: Map<string, string> }[] = []
  let killed: string | null = null
  let sampler: NodeJS.Timeout | undefined
  let watcher: NodeJS.Timeout | undefined
  try {
    await Promise.all(procs.map((p) => p.start()))
    const t0 = Date.now()
    procs.forEach((p, i) => pids.set(ids[i]!, p.pid!))
    sampler = setInterval(() => {
      for (const [id, pid] of pids) {
        const s = procSample(pid)
        if (s) samples.get(id)!.push(s)
      }
    }, 1000)
    const survivor = (): FlinkwatchProcess => procs[ids.findIndex((id) => id !== killed)]!
    const askOwners = async (): Promise<void> => {
      // Stamped with when it was asked, and judged against who was killed then: an answer to a question
      // asked before the kill says nothing about the takeover.
      const askedAt = Date.now()
      const dead = killed
      const r = (await (await fetch(`${survivor().url}/api/v1/instances`)).json()) as InstancesBody
      const owned = new Map<string, string>()
      for (const inst of r.instances) if (inst.alive && inst.id !== dead) for (const c of inst.clusters) owned.set(c, inst.id)
      ownership.push({ at: askedAt, owned })
    }
    watcher = setInterval(() => void askOwners().catch(() => undefined), 250)
    const fakeStats0 = await fake.stats()
    let es30: Record<string, IndexStats> | undefined
    let es30At = 0
    let fake30 = fakeStats0
    let fake30At = t0
    void sleep(Math.min(30_000, o.killAtMs / 2)).then(async () => {
      es30 = await indexStats(prefix)
      es30At = Date.now()
      fake30 = await fake.stats()
      fake30At = Date.now()
    })

    // ---- the kill --------------------------------------------------------------------------------------
    await sleep(t0 + o.killAtMs - Date.now())
    const last = ownership[ownership.length - 1]?.owned ?? new Map<string, string>()
    const counts = new Map<string, number>(ids.map((id) => [id, 0]))
    for (const holder of last.values()) counts.set(holder, (counts.get(holder) ?? 0) + 1)
    const victim = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0]
    const victimClusters = [...last.entries()].filter(([, h]) => h === victim).map(([c]) => c)
    const esBeforeKill = await indexStats(prefix)
    const esBeforeKillAt = Date.now()
    const fakeBeforeKill = await fake.stats()
    const fakeBeforeKillAt = Date.now()
    const victimProc = procs[ids.indexOf(victim)]!
    killed = victim
    const killedAt = Date.now()
    await victimProc.kill('SIGKILL')
    pids.delete(victim)
    const ownedAgain = await (async () => {
      const deadline = Date.now() + 120_000
      while (Date.now() < deadline) {
        const l = ownership[ownership.length - 1]
        if (l && l.at > killedAt && l.owned.size === o.clusters) return l.at - killedAt
        await sleep(100)
      }
      return null
    })()

    // ---- the storm -------------------------------------------------------------------------------------
    await sleep(t0 + o.stormAtMs - Date.now())
    const throttledBefore = lark.throttled
    const failed = (await (await fetch(`http://${hosts[0]}:${fake.port}/__fail?n=${o.failures}`, { method: 'POST' })).json()) as { at: number; names: string[] }
    const isStorm = (title: string, text: string): boolean => /FIRING/i.test(title + text) && /fail/i.test(title + text)
    const allNamed = (): boolean => stormFigures(lark, failed.names, failed.at, throttledBefore, isStorm).lost === 0
    await until(allNamed, 120_000)
    await sleep(10_000) // late duplicates count too
    const storm = stormFigures(lark, failed.names, failed.at, throttledBefore, isStorm)
    const tEnd = Date.now()
    const fakeEnd = await fake.stats()
    const esEnd = await indexStats(prefix)
    const mirrorDocBytes = await meanDocBytes(`${prefix}-ha_fleet`)
    const { polls } = (await (await fetch(`http://${hosts[0]}:${fake.port}/__polls`)).json()) as { polls: SeenPoll[][] }
    clearInterval(watcher)
    clearInterval(sampler)

    // ---- figures ---------------------------------------------------------------------------------------
    const victimHost = ids.indexOf(victim)
    const resumed = victimClusters.map((c) => polls[Number(c.slice(1))]!.find((p) => p.start > killedAt && p.host !== victimHost)?.start ?? null)
    const pollResumedMs = resumed.some((r) => r === null) ? null : Math.max(0, ...resumed.map((r) => r! - killedAt))
    const from = t0 + o.intervalMs
    const missed = polls.map((list) => {
      const starts = list.map((p) => p.start).filter((s) => s >= from && s <= tEnd)
      let m = 0
      let prev = from
      for (const s of [...starts, tEnd]) {
        m += Math.max(0, Math.round((s - prev) / o.intervalMs) - 1)
        prev = s
      }
      return m
    })
    const perInstance = ids.map((id, h) => {
      const mine = polls.flat().filter((p) => p.host === h)
      const windows = new Map<number, number>()
      for (const p of mine) {
        const k = Math.floor((p.start - t0) / o.intervalMs)
        windows.set(k, Math.max(windows.get(k) ?? 0, p.end - p.start))
      }
      const afterKill = [...windows.entries()].filter(([k]) => t0 + k * o.intervalMs >= killedAt).map(([, v]) => v)
      const s = samples.get(id)!
      const reqs = (fakeEnd.requestsPerHost[h] ?? 0) - (fakeStats0.requestsPerHost[h] ?? 0)
      return {
        id,
        killed: id === victim,
        clustersAtKill: counts.get(id) ?? 0,
        clustersAtEnd: [...(ownership[ownership.length - 1]?.owned.values() ?? [])].filter((x) => x === id).length,
        polls: mine.length,
        cycleMs: { p50: round(pct([...windows.values()], 50)), p95: round(pct([...windows.values()], 95)), p95AfterKill: id === victim ? null : round(pct(afterKill, 95)), windows: windows.size },
        pollMs: { p95: round(pct(mine.map((p) => p.end - p.start), 95)) },
        cpuShareOfOneCore: { wholeRun: cpuShare(s), beforeKill: cpuShare(s, 0, killedAt), afterKill: id === victim ? null : cpuShare(s, killedAt) },
        rssMb: { max: round(Math.max(0, ...s.map((x) => x.rssBytes)) / 1048576, 1), end: round((s[s.length - 1]?.rssBytes ?? 0) / 1048576, 1) },
        requests: reqs,
      }
    })
    // From detection: each job's cluster's first poll after the failures (the poll interval is not notification time).
    const { firstNamed, ...stormOut } = storm
    const afterDetection = failed.names.map((n) => {
      const c = Number(/^job-(\d+)-/.exec(n)![1])
      const seenAt = polls[c]!.find((p) => p.start >= failed.at)?.start
      const named = firstNamed?.get(n)
      return seenAt === undefined || named === undefined ? null : named - seenAt
    })
    const namedAfterDetectionMs = afterDetection.some((x) => x === null) ? null : Math.max(0, ...afterDetection.map((x) => x!))
    const jobs = o.clusters * o.jobsPer
    const minutes = (tEnd - t0) / 60_000
    const steadyMinutes = (fakeBeforeKillAt - fake30At) / 60_000
    const rate = (a: Record<string, IndexStats> | undefined, b: Record<string, IndexStats>, seconds: number, key: keyof IndexStats) => {
      const out: Record<string, number> = {}
      for (const [k, v] of Object.entries(b)) out[k] = round((v[key] - (a?.[k]?.[key] ?? 0)) / seconds, 2)
      return out
    }
    const steadySeconds = (esBeforeKillAt - es30At) / 1000
    const mirrorWrites = rate(es30, esBeforeKill, steadySeconds, 'indexTotal')['ha_fleet'] ?? 0
    const survivors = perInstance.filter((p) => !p.killed)
    const result = {
      ran: {
        instances: o.instances,
        clusters: o.clusters,
        jobsPerCluster: o.jobsPer,
        jobs,
        failures: failed.names.length,
        intervalSeconds: o.intervalMs / 1000,
        watchInterval: o.watch ?? "default (2s)",
        killAtSeconds: round((killedAt - t0) / 1000, 1),
        stormAtSeconds: round((failed.at - t0) / 1000, 1),
        durationSeconds: round((tEnd - t0) / 1000, 1),
        ha: 'defaults: heartbeat 3s, leaseTtl 15s',
        store: `Elasticsearch ${STACK.elasticsearch}, index prefix ${prefix} (deleted)`,
        killed: victim,
      },
      ownership: {
        timeUntilEveryClusterOwnedAgainMs: ownedAgain,
        timeUntilEveryKilledClusterPolledAgainMs: pollResumedMs,
        clustersOfTheKilledInstance: victimClusters.length,
        target: 'every cluster owned again within 20 s of the kill',
      },
      missedPollCycles: {
        max: Math.max(0, ...missed),
        total: missed.reduce((a, b) => a + b, 0),
        clustersWithMisses: missed.filter((m) => m > 0).length,
        ofTheKilledInstancesClusters: victimClusters.reduce((n, c) => n + missed[Number(c.slice(1))]!, 0),
      },
      perInstance,
      requestsPerJobPerMinute: {
        wholeRun: round((fakeEnd.requests - fakeStats0.requests) / jobs / minutes, 2),
        steadyBeforeKill: round((fakeBeforeKill.requests - fake30.requests) / jobs / steadyMinutes, 2),
      },
      storm: { ...stormOut, maxTimeFromDetectionToNamedMs: namedAfterDetectionMs, targets: '0 lost, 0 duplicated, 0 throttled, all named within 5 s (timeUntilAllNamedMs counts from the failures, so it includes up to one poll interval before any poll can see them)' },
      fleetMirror: {
        writesPerSecond: mirrorWrites,
        meanDocumentBytes: mirrorDocBytes,
        bytesPerSecond: Math.round(mirrorWrites * mirrorDocBytes),
        searchesPerSecond: rate(es30, esBeforeKill, steadySeconds, 'queryTotal')['ha_fleet'] ?? 0,
        storeWritesPerSecondByIndex: rate(es30, esBeforeKill, steadySeconds, 'indexTotal'),
        window: 'steady state: from 30 s after the start until the kill',
      },
      fakeJobManagersCpuShareOfOneCore: round((fakeEnd.cpuMicros - fakeStats0.cpuMicros) / 1e6 / ((tEnd - t0) / 1000), 3),
      targets: {
        ownedAgainWithin20s: { value: ownedAgain, met: ownedAgain !== null && ownedAgain <= 20_000 },
        lost0: { value: storm.lost, met: storm.lost === 0 },
        duplicated0: { value: storm.duplicated, met: storm.duplicated === 0 },
        throttled0: { value: storm.throttled, met: storm.throttled === 0 },
        allNamedWithin5s: { value: storm.timeUntilAllNamedMs, met: storm.timeUntilAllNamedMs !== null && storm.timeUntilAllNamedMs <= 5000 },
        cycleP95Under5sOnEachSurvivor: { value: survivors.map((s) => s.cycleMs.p95AfterKill), met: survivors.every((s) => (s.cycleMs.p95AfterKill ?? Infinity) < 5000) },
      },
      messageTitles: lark.delivered.filter((d) => d.at >= failed.at).slice(0, 8).map((d) => larkText(d.body).title),
    }
    return result
  } finally {
    clearInterval(watcher)
    clearInterval(sampler)
    for (const p of procs) await p.kill('SIGTERM').catch(() => undefined)
    await lark.stop()
    fake.stop()
    await fetch(`${STACK.elasticsearch}/${prefix}-*`, { method: 'DELETE' }).catch(() => undefined)
    await fetch(`${STACK.elasticsearch}/_index_template/${prefix}-*`, { method: 'DELETE' }).catch(() => undefined)
  }
}

/** Two clustered Alertmanager peers, the 1,000 alerts posted to both, one peer SIGKILLed `killOffsetMs` from the storm. */
async function runAlertmanagers(o: { clusters: number; jobsPer: number; failures: number; killOffsetMs: number; portBase: number; dir: string }): Promise<Record<string, unknown>> {
  const lark = await new FakeLarkBot(SECRET).start()
  const ad = await adapter(`${lark.url}/open-apis/bot/v2/hook/x`)
  const dir = join(o.dir, `am${o.killOffsetMs}`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    ['route:', '  receiver: lark-adapter', '  group_by: [alertname, cluster]', '  group_wait: 1s', '  group_interval: 5m', '  repeat_interval: 4h', 'receivers:', '  - name: lark-adapter', '    webhook_configs:', `      - url: ${ad.url}/am`, '        send_resolved: true', ''].join('\n'),
  )
  const web = [o.portBase + 10, o.portBase + 12]
  const gossip = [o.portBase + 11, o.portBase + 13]
  const peers: ChildProcess[] = [0, 1].map((i) =>
    spawn(
      AM_BIN,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, `data${i}`)}`,
        `--web.listen-address=127.0.0.1:${web[i]}`,
        `--cluster.listen-address=127.0.0.1:${gossip[i]}`,
        `--cluster.advertise-address=127.0.0.1:${gossip[i]}`,
        `--cluster.peer=127.0.0.1:${gossip[1 - i]}`,
      ],
      { stdio: 'ignore' },
    ),
  )
  try {
    const base = web.map((p) => `http://127.0.0.1:${p}`)
    // Clustered: each peer lists both in its status.
    for (let i = 0; i < 300; i++) {
      const n = await Promise.all(base.map((b) => fetch(`${b}/api/v2/status`).then(async (r) => ((await r.json()) as { cluster?: { peers?: unknown[] } }).cluster?.peers?.length ?? 0).catch(() => 0)))
      if (n.every((x) => x >= 2)) break
      await sleep(100)
    }
    const names = Array.from({ length: o.failures }, (_, k) => ({ cluster: `c${k % o.clusters}`, job: `job-${k % o.clusters}-${Math.floor(k / o.clusters)}` }))
    const kill = () => peers[0]!.kill('SIGKILL')
    if (o.killOffsetMs < 0) {
      kill()
      await sleep(-o.killOffsetMs)
    }
    const t0 = Date.now()
    const startsAt = new Date(t0).toISOString()
    const alerts = names.map((n) => ({ labels: { alertname: 'job-failed', severity: 'critical', cluster: n.cluster, job: n.job }, annotations: { summary: 'job failed' }, startsAt }))
    if (o.killOffsetMs >= 0) setTimeout(kill, o.killOffsetMs)
    const posted = await Promise.all(base.map((b) => fetch(`${b}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) }).then((r) => r.ok).catch(() => false)))
    const wanted = names.map((n) => n.job)
    const isStorm = (title: string): boolean => title.startsWith('[FIRING]')
    await until(() => stormFigures(lark, wanted, t0, 0, isStorm).lost === 0, 40_000)
    await sleep(5000)
    const { firstNamed: _firstNamed, ...figures } = stormFigures(lark, wanted, t0, 0, isStorm)
    return {
      killed: o.killOffsetMs < 0 ? `peer 0, ${-o.killOffsetMs / 1000} s before the storm (as flinkwatch's instance)` : `peer 0, ${o.killOffsetMs / 1000} s after the storm (while it notifies)`,
      postedTo: posted.map((ok, i) => `peer ${i}: ${ok ? 'accepted' : 'refused (down)'}`),
      ...figures,
      webhookCalls: ad.calls(),
      note: 'throttled = code 11232 answers; Alertmanager reads the HTTP 200 as sent, so a throttled group is lost',
    }
  } finally {
    for (const p of peers) p.kill('SIGKILL')
    ad.server.close()
    await lark.stop()
  }
}

export default async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      clusters: { type: 'string', default: '300' },
      jobs: { type: 'string', default: '100' },
      failures: { type: 'string', default: '1000' },
      interval: { type: 'string', default: '10s' },
      'kill-at': { type: 'string', default: '60s' },
      'storm-at': { type: 'string', default: '90s' },
      watch: { type: 'string' },
      instances: { type: 'string', default: '3' },
      'port-base': { type: 'string', default: '19100' },
      alertmanager: { type: 'string', default: 'true' },
      keep: { type: 'string', default: 'false' },
      profile: { type: 'string' },
    },
    strict: true,
  })
  const o = {
    clusters: Number(values.clusters),
    jobsPer: Number(values.jobs),
    failures: Number(values.failures),
    intervalMs: parseDuration(values.interval),
    watch: values.watch ?? null,
    killAtMs: parseDuration(values['kill-at']),
    stormAtMs: parseDuration(values['storm-at']),
    instances: Number(values.instances),
    portBase: Number(values['port-base']),
    dir: join(ROOT, '.bench-ha', Date.now().toString(36)),
    ...(values.profile ? { profileDir: values.profile } : {}),
  }
  if (o.failures > o.clusters * o.jobsPer) throw new Error(`--failures ${o.failures} exceeds the fleet (${o.clusters * o.jobsPer} jobs)`)
  buildDist()
  try {
    const flinkwatch = await runFlinkwatch(o)
    const alertmanager = values.alertmanager !== 'true'
      ? { skipped: '--alertmanager false' }
      : !existsSync(AM_BIN)
        ? { skipped: `${AM_BIN} missing: bash test/stack/install-deps.sh alertmanager` }
        : {
            killedLikeFlinkwatch: await runAlertmanagers({ ...o, killOffsetMs: -(o.stormAtMs - o.killAtMs) }),
            killedWhileNotifying: await runAlertmanagers({ ...o, killOffsetMs: 1000 }),
          }
    console.log(JSON.stringify({ flinkwatch, alertmanager }, null, 2))
  } finally {
    if (values.keep !== 'true') rmSync(o.dir, { recursive: true, force: true })
  }
}
