/**
 * Helpers of the log-pipeline integration tests and benchmark: a private Elasticsearch node that a test may
 * stop and start, flinkwatch as a child process that a test may SIGKILL, producing generated lines, and the
 * exactly-once check over the search API.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, cpSync, createWriteStream, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import type { LogHit } from '../../../src/logs/document.js'
import { ROOT, STACK, kafka, waitFor } from '../../helpers/stack.js'
import { makeLine, rng, type GenOptions } from './lines.js'

// ---- a private Elasticsearch node ------------------------------------------------------------------------

const ES_USER = process.env['FW_STACK_ES_USER'] ?? 'fwstack'

function esHome(): string {
  const dir = join(ROOT, '.stack')
  const home = readdirSync(dir).find((d) => /^elasticsearch-\d/.test(d) && statSync(join(dir, d)).isDirectory())
  if (!home) throw new Error('no extracted Elasticsearch under .stack/: run npm run stack:up')
  return join(dir, home)
}

function javaHome(): string {
  if (process.env['JAVA_HOME']) return process.env['JAVA_HOME']
  const which = spawnSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).stdout.trim()
  if (!which) throw new Error('java not found')
  return join(realpathSync(which), '../..')
}

/**
 * A second, single-node Elasticsearch from the stack's extracted distribution, with its own config dir
 * (ES_PATH_CONF), data dir, cluster name and ports, started as the stack's unprivileged ES user like
 * test/stack/services/es.sh does. The shared node on :9200 is never touched.
 */
export class PrivateElasticsearch {
  readonly url: string
  private readonly dir: string
  private proc: ChildProcess | undefined

  constructor(
    readonly httpPort = 9241,
    readonly transportPort = 9341,
  ) {
    this.url = `http://127.0.0.1:${httpPort}`
    this.dir = mkdtempSync(join(tmpdir(), 'fw-es-private-'))
    const home = esHome()
    const conf = join(this.dir, 'config')
    cpSync(join(home, 'config'), conf, { recursive: true })
    for (const d of ['data', 'logs', 'tmp']) mkdirSync(join(this.dir, d))
    writeFileSync(
      join(conf, 'elasticsearch.yml'),
      stringify({
        'cluster.name': `fw-private-${httpPort}`,
        'node.name': `fw-private-${httpPort}`,
        'discovery.type': 'single-node',
        'network.host': '127.0.0.1',
        'http.port': httpPort,
        'transport.port': transportPort,
        'path.data': join(this.dir, 'data'),
        'path.logs': join(this.dir, 'logs'),
        'xpack.security.enabled': false,
        'cluster.routing.allocation.disk.threshold_enabled': false,
        'action.destructive_requires_name': false,
      }),
    )
    writeFileSync(join(conf, 'jvm.options.d', 'heap.options'), '-Xms512m\n-Xmx512m\n')
    if (process.getuid?.() === 0) chownTree(this.dir, ES_USER)
  }

  async start(): Promise<void> {
    if (this.proc) return
    const env = ['env', `ES_JAVA_HOME=${javaHome()}`, `ES_PATH_CONF=${join(this.dir, 'config')}`, `ES_TMPDIR=${join(this.dir, 'tmp')}`, join(esHome(), 'bin/elasticsearch')]
    const cmd = process.getuid?.() === 0 ? ['setpriv', `--reuid=${ES_USER}`, `--regid=${ES_USER}`, '--init-groups', '--reset-env', '--', ...env] : env
    const out = createWriteStream(join(this.dir, 'stdout.log'), { flags: 'a' })
    const proc = spawn(cmd[0]!, cmd.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    // Two sources into one file: neither may end it, or the other writes after end; the exit closes it.
    proc.stdout?.pipe(out, { end: false })
    proc.stderr?.pipe(out, { end: false })
    proc.once('close', () => out.end())
    this.proc = proc
    const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`private Elasticsearch exited with ${code}; see ${this.dir}/stdout.log`))))
    exited.catch(() => undefined)
    await Promise.race([
      exited,
      waitFor('the private Elasticsearch to be healthy', async () => {
        const h = (await (await fetch(`${this.url}/_cluster/health`)).json()) as { status?: string }
        return h.status === 'green' || h.status === 'yellow'
      }, 180_000, 500),
    ])
    // Single node: replicas would leave every index yellow (the same legacy template as the shared stack).
    await fetch(`${this.url}/_template/fw-single-node`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ index_patterns: ['*'], order: -1, settings: { 'index.number_of_replicas': 0 } }) })
  }

  /** SIGTERM to the node's process group; resolves when it has exited (SIGKILL after 60 s). */
  async stop(): Promise<void> {
    const proc = this.proc
    if (!proc || proc.exitCode !== null) return void (this.proc = undefined)
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    process.kill(-proc.pid!, 'SIGTERM')
    const t = setTimeout(() => process.kill(-proc.pid!, 'SIGKILL'), 60_000)
    await gone
    clearTimeout(t)
    this.proc = undefined
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined)
    rmSync(this.dir, { recursive: true, force: true })
  }
}

function chownTree(path: string, user: string): void {
  const r = spawnSync('chown', ['-R', `${user}:${user}`, path])
  if (r.status !== 0) {
    // Fall back to numeric ids when chown(1) is unavailable.
    const id = spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim()
    const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim()
    chownSync(path, Number(id), Number(gid))
  }
}

// ---- flinkwatch as a child process -----------------------------------------------------------------------

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))))
    })
  })
}

/**
 * Writes a config file (server port chosen here) and runs `node --import tsx src/cli.ts serve` on it, or with
 * `compiled` the built CLI as users run it, `node bin/flinkwatch.js serve` (build dist first: buildDist()).
 */
export class FlinkwatchProcess {
  readonly url: string
  readonly configPath: string
  private proc: ChildProcess | undefined
  readonly logFile: string

  constructor(
    config: Record<string, unknown>,
    port: number,
    dir = mkdtempSync(join(tmpdir(), 'fw-proc-')),
    /** Extra node flags (the benchmark's --cpu-prof / --heap-prof). */
    private readonly nodeArgs: string[] = [],
    private readonly compiled = false,
  ) {
    this.url = `http://127.0.0.1:${port}`
    this.configPath = join(dir, 'flinkwatch.yaml')
    this.logFile = join(dir, 'flinkwatch.log')
    writeFileSync(this.configPath, stringify({ server: { host: '127.0.0.1', port }, alerting: { rulesFile: join(ROOT, 'config/rules.yaml') }, ...config }))
  }

  get pid(): number | undefined {
    return this.proc?.pid
  }

  async start(): Promise<void> {
    const out = createWriteStream(this.logFile, { flags: 'a' })
    const entry = this.compiled ? ['bin/flinkwatch.js'] : ['--import', 'tsx', 'src/cli.ts']
    const proc = spawn(process.execPath, [...this.nodeArgs, ...entry, 'serve', '--config', this.configPath], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } })
    // Two sources into one file: neither may end it, or the other writes after end; the exit closes it.
    proc.stdout?.pipe(out, { end: false })
    proc.stderr?.pipe(out, { end: false })
    proc.once('close', () => out.end())
    this.proc = proc
    const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`flinkwatch exited with ${code}; see ${this.logFile}`))))
    exited.catch(() => undefined)
    await Promise.race([exited, waitFor('flinkwatch to listen', async () => (await fetch(`${this.url}/healthz`)).status < 500, 120_000, 200)])
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    const proc = this.proc
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    proc.kill(signal)
    await gone
    this.proc = undefined
  }

  async metric(name: string): Promise<number> {
    return metricValue(await (await fetch(`${this.url}/metrics`)).text(), name)
  }
}

/** Compiles the sources into dist/ (what `npm start` and bin/flinkwatch.js run). */
export function buildDist(): void {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`)
}

/** Sum of all samples of one metric (any labels) in a Prometheus text exposition. */
export function metricValue(text: string, name: string): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}

// ---- Kafka ------------------------------------------------------------------------------------------------

/** Produces generated lines [from, to) (lines.ts) to a topic, keyed by job id like the log4j config does. */
export async function produceLines(topic: string, from: number, to: number, o: GenOptions & { seed?: number }, batch = 2000): Promise<void> {
  const r = rng((o.seed ?? 1) + from)
  const producer = kafka().producer({ allowAutoTopicCreation: false })
  await producer.connect()
  try {
    for (let i = from; i < to; i += batch) {
      const messages = []
      for (let k = i; k < Math.min(to, i + batch); k++) {
        const l = makeLine(k, r, o)
        messages.push({ key: l.key, value: l.value })
      }
      await producer.send({ topic, messages, acks: -1 })
    }
  } finally {
    await producer.disconnect()
  }
}

/** True when the group's committed offsets reached the end of every partition of the topic. */
export async function groupCaughtUp(topic: string, groupId: string): Promise<boolean> {
  const admin = kafka().admin()
  await admin.connect()
  try {
    const ends = await admin.fetchTopicOffsets(topic)
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
    const at = new Map(committed?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? [])
    return ends.every((e) => (at.get(e.partition) ?? -1n) >= BigInt(e.high))
  } finally {
    await admin.disconnect()
  }
}

export async function deleteKafkaLeftovers(topics: string[], groups: string[]): Promise<void> {
  const admin = kafka().admin()
  await admin.connect()
  try {
    await admin.deleteGroups(groups).catch(() => undefined)
    await admin.deleteTopics({ topics }).catch(() => undefined)
  } finally {
    await admin.disconnect()
  }
}

// ---- exactly once -----------------------------------------------------------------------------------------

/**
 * Pages through every line of a cluster via the search API and counts each `seq=<n>` (lines.ts puts one in
 * every message); returns how often each of 0..n-1 was seen, plus the number of other hits (markers).
 */
export async function countSeqs(url: string, qs: Record<string, string>, n: number): Promise<{ counts: Uint32Array; other: number; hits: number }> {
  const counts = new Uint32Array(n)
  let other = 0
  let hits = 0
  let cursor: string | null = null
  do {
    const params = new URLSearchParams({ ...qs, limit: '1000', ...(cursor ? { cursor } : {}) })
    const res = await fetch(`${url}/api/v1/logs/search?${params}`)
    if (!res.ok) throw new Error(`search: HTTP ${res.status} ${await res.text()}`)
    const body = (await res.json()) as { hits: LogHit[]; nextCursor: string | null }
    for (const h of body.hits) {
      hits++
      const m = / seq=(\d+) /.exec(h.message)
      const seq = m ? Number(m[1]) : -1
      if (seq >= 0 && seq < n) counts[seq]!++
      else other++
    }
    cursor = body.nextCursor
  } while (cursor)
  return { counts, other, hits }
}

/** A one-line summary of where counts differ from exactly once (for assertion messages). */
export function exactlyOnceProblems(counts: Uint32Array): string | undefined {
  let missing = 0
  let dup = 0
  const examples: string[] = []
  counts.forEach((c, i) => {
    if (c === 1) return
    if (c === 0) missing++
    else dup++
    if (examples.length < 5) examples.push(`seq=${i}×${c}`)
  })
  return missing + dup === 0 ? undefined : `${missing} missing, ${dup} duplicated (${examples.join(', ')})`
}

export { STACK }
