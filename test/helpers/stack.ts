/**
 * Shared access to the real loopback test stack (test/stack/up.sh): ports,
 * the test job, Kafka produce/consume and readiness waits. Integration tests
 * use these instead of writing their own.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Kafka, logLevel, type Consumer } from 'kafkajs'

export const ROOT = new URL('../../', import.meta.url).pathname
export const STACK = {
  kafka: '127.0.0.1:9092',
  elasticsearch: 'http://127.0.0.1:9200',
  flink: 'http://127.0.0.1:8081',
  prometheus: 'http://127.0.0.1:9090',
  alertmanager: 'http://127.0.0.1:9095',
  /** Prometheus scrapes a flinkwatch here (test/stack/up.sh). */
  flinkwatchScrapePort: 18080,
  testJobJar: join(ROOT, '.stack/jobs/flink-test-job.jar'),
  logsTopic: 'flink-logs',
}

/** A short random suffix so topics, indices and job names never collide between tests. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastErr: unknown
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v !== undefined && v !== false) return v
    } catch (err) {
      lastErr = err
    }
    await new Promise((r) => setTimeout(r, everyMs))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`)
}

export async function getJson<T = unknown>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init)
  const text = await res.text()
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${res.status} ${text.slice(0, 300)}`)
  return (text ? JSON.parse(text) : {}) as T
}

// ---- Flink ---------------------------------------------------------------

let uploadedJarId: string | undefined

/** Uploads the test job jar once per process; returns its jar id. */
export async function uploadTestJar(flink = STACK.flink): Promise<string> {
  if (uploadedJarId) return uploadedJarId
  if (!existsSync(STACK.testJobJar)) throw new Error(`${STACK.testJobJar} missing: run npm run stack:up`)
  const form = new FormData()
  form.append('jarfile', new Blob([readFileSync(STACK.testJobJar)], { type: 'application/java-archive' }), 'flink-test-job.jar')
  const r = await getJson<{ filename: string }>(`${flink}/jars/upload`, { method: 'POST', body: form })
  uploadedJarId = r.filename.split('/').pop()!
  return uploadedJarId
}

export interface TestJobOptions {
  name: string
  input: string
  output: string
  group?: string
  savepointPath?: string
  parallelism?: number
}

export function testJobArgs(o: TestJobOptions): string[] {
  return ['--name', o.name, '--input', o.input, '--output', o.output, '--bootstrap', STACK.kafka, '--group', o.group ?? `${o.name}-group`]
}

/** Submits the test job (reads `input`, counts per key into `output`, throws on "poison"). */
export async function submitTestJob(o: TestJobOptions, flink = STACK.flink): Promise<string> {
  const jarId = await uploadTestJar(flink)
  const body: Record<string, unknown> = { programArgsList: testJobArgs(o), parallelism: o.parallelism ?? 1 }
  if (o.savepointPath) body['savepointPath'] = o.savepointPath
  const r = await getJson<{ jobid: string }>(`${flink}/jars/${jarId}/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return r.jobid
}

export async function jobState(jobId: string, flink = STACK.flink): Promise<string> {
  return (await getJson<{ state: string }>(`${flink}/jobs/${jobId}`)).state
}

export async function waitForJobState(jobId: string, states: string[], timeoutMs = 60_000, flink = STACK.flink): Promise<string> {
  return waitFor(`job ${jobId} in ${states.join('|')}`, async () => {
    const s = await jobState(jobId, flink)
    return states.includes(s) ? s : undefined
  }, timeoutMs)
}

export async function cancelJob(jobId: string, flink = STACK.flink): Promise<void> {
  await fetch(`${flink}/jobs/${jobId}?mode=cancel`, { method: 'PATCH' }).catch(() => undefined)
}

/** Cancels every non-terminal job whose name starts with the prefix (test clean-up). */
export async function cancelJobsNamed(prefix: string, flink = STACK.flink): Promise<void> {
  const r = await getJson<{ jobs: { jid: string; name: string; state: string }[] }>(`${flink}/jobs/overview`).catch(() => ({ jobs: [] }))
  await Promise.all(r.jobs.filter((j) => j.name.startsWith(prefix) && !['FAILED', 'CANCELED', 'FINISHED'].includes(j.state)).map((j) => cancelJob(j.jid, flink)))
}

export async function waitForCompletedCheckpoint(jobId: string, timeoutMs = 60_000, flink = STACK.flink): Promise<{ id: number; external_path: string }> {
  return waitFor(`a completed checkpoint of ${jobId}`, async () => {
    const r = await getJson<{ latest?: { completed?: { id: number; external_path: string } | null } }>(`${flink}/jobs/${jobId}/checkpoints`)
    return r.latest?.completed ?? undefined
  }, timeoutMs)
}

// ---- Kafka ---------------------------------------------------------------

export function kafka(clientId = uniqueId('fw-test')): Kafka {
  return new Kafka({ clientId, brokers: [STACK.kafka], logLevel: logLevel.NOTHING })
}

export async function createTopic(topic: string, partitions = 1): Promise<void> {
  const admin = kafka().admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
}

export async function produce(topic: string, messages: { key?: string; value: string; headers?: Record<string, string> }[]): Promise<void> {
  const producer = kafka().producer()
  await producer.connect()
  try {
    await producer.send({ topic, messages })
  } finally {
    await producer.disconnect()
  }
}

/** Reads a topic from the beginning until `until` is satisfied by the values seen. */
export async function consumeUntil(topic: string, until: (values: string[]) => boolean, timeoutMs = 30_000): Promise<string[]> {
  const consumer: Consumer = kafka().consumer({ groupId: uniqueId('fw-test-reader') })
  const values: string[] = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value?.toString('utf8') ?? '') })
    await waitFor(`messages on ${topic}`, async () => until(values), timeoutMs)
    return values
  } finally {
    await consumer.disconnect()
  }
}
