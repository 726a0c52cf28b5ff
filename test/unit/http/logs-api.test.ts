import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildApp, type App } from '../../../src/app.js'
import type { LogHit } from '../../../src/logs/document.js'
import { StreamHub } from '../../../src/stream/stream-hub.js'
import { captureLogger, testConfig } from '../../helpers/service.js'

const JOB_A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const JOB_B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
const T0 = Date.UTC(2026, 0, 1, 10)

function line(i: number, over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    '@timestamp': new Date(T0 + i * 1000).toISOString(),
    'log.level': i % 10 === 0 ? 'ERROR' : 'INFO',
    message: `processed key=k${i} token=tok${i}`,
    'log.logger': 'flinkwatch.testjob.TestJob',
    'process.thread.name': 'counter (1/1)#0',
    'flink.job.id': i % 2 === 0 ? JOB_A : JOB_B,
    'flink.job.name': i % 2 === 0 ? 'orders' : 'payments',
    'flink.taskmanager.id': i % 3 === 0 ? 'tm-0' : 'tm-1',
    'flink.cluster': 'local',
    ...over,
  })
}

interface SearchBody {
  hits: LogHit[]
  total: number
  nextCursor: string | null
}

describe('logs HTTP API (embedded store)', () => {
  let app: App
  const search = async (qs: Record<string, string>): Promise<SearchBody> => {
    const res = await app.http.inject({ method: 'GET', url: `/api/v1/logs/search?${new URLSearchParams(qs)}` })
    assert.equal(res.statusCode, 200, res.body)
    return res.json<SearchBody>()
  }
  const post = (payload: string, contentType = 'application/x-ndjson') => app.http.inject({ method: 'POST', url: '/api/v1/logs', headers: { 'content-type': contentType }, payload })

  before(async () => {
    app = await buildApp(testConfig(), { logger: captureLogger().logger })
    await app.start()
  })
  after(() => app.stop())

  it('ingests NDJSON, counts rejected lines, and answers after the records are stored', async () => {
    const body = [...Array.from({ length: 30 }, (_, i) => line(i)), '\u0000\u0001binary', '{"message": broken', ''].join('\n')
    const res = await post(body)
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json(), { accepted: 31, rejected: 1, dropped: 0, errors: [{ line: 31, reason: 'binary' }] })
    const again = await post(body)
    assert.equal(again.json<{ accepted: number }>().accepted, 31)
    assert.equal((await search({ limit: '1000' })).total, 31, 'a retried request makes no duplicates')
  })

  it('finds a line by token and job id, with job name and TaskManager', async () => {
    const r = await search({ q: 'tok4', job: JOB_A })
    assert.equal(r.total, 1)
    const hit = r.hits[0]!
    assert.equal(hit.message, 'processed key=k4 token=tok4')
    assert.equal(hit.jobName, 'orders')
    assert.equal(hit.taskManager, 'tm-1')
    assert.equal(hit.level, 'INFO')
    assert.equal(hit.highlight, 'processed key=k4 token=<em>tok4</em>')
    assert.equal((await search({ q: 'tok4', job: 'orders' })).total, 1, 'job matches the name too')
    assert.equal((await search({ q: 'tok4', job: 'payments' })).total, 0)
  })

  it('applies the q syntax: fields, phrases, exclusions, levels', async () => {
    assert.equal((await search({ q: 'level:error' })).total, 3)
    assert.equal((await search({ q: 'processed -level:error job:orders' })).total, 12)
    assert.equal((await search({ q: '"key=k1 token=tok1"' })).total, 1)
    assert.equal((await search({ q: '"token=tok1 key=k1"' })).total, 0)
    assert.equal((await search({ q: 'processed -tok1 taskManager:tm-0' })).total, 10)
    assert.equal((await search({ level: 'ERROR,WARN', cluster: 'local' })).total, 3)
    assert.equal((await search({ q: 'level:info', level: 'ERROR' })).total, 0)
  })

  it('pages newest first with a cursor that neither skips nor repeats while lines keep arriving', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    let page = 0
    do {
      const r: SearchBody = await search({ limit: '7', ...(cursor ? { cursor } : {}) })
      seen.push(...r.hits.map((h) => h.id))
      cursor = r.nextCursor
      // Concurrent ingestion of newer lines between pages.
      if (page++ === 0) await post([line(100), line(101)].join('\n'))
    } while (cursor)
    assert.equal(seen.length, 31)
    assert.equal(new Set(seen).size, 31)
    const first = await search({ q: 'processed', limit: '3' })
    assert.deepEqual(first.hits.map((h) => h.message), ['processed key=k101 token=tok101', 'processed key=k100 token=tok100', 'processed key=k29 token=tok29'])
  })

  it('returns the lines around a hit from the same TaskManager', async () => {
    const hit = (await search({ q: 'tok12' })).hits[0]!
    assert.equal(hit.taskManager, 'tm-0')
    const res = await app.http.inject({ method: 'GET', url: `/api/v1/logs/${encodeURIComponent(hit.id)}/context?before=2&after=2` })
    assert.equal(res.statusCode, 200, res.body)
    const c = res.json<{ hit: LogHit; before: LogHit[]; after: LogHit[] }>()
    assert.deepEqual(c.before.map((h) => h.message), ['processed key=k6 token=tok6', 'processed key=k9 token=tok9'])
    assert.deepEqual(c.after.map((h) => h.message), ['processed key=k15 token=tok15', 'processed key=k18 token=tok18'])
    assert.equal((await app.http.inject({ method: 'GET', url: '/api/v1/logs/nope/context' })).statusCode, 404)
  })

  it('ingests text/plain in Flink\'s pattern with stack traces joined', async () => {
    const text = `2026-01-02 10:00:00,000 ERROR org.apache.flink.runtime.taskmanager.Task [job=${JOB_A}] - Task failed\njava.lang.IllegalStateException: poison plaintext\n\tat x.Y.z(Y.java:1)\n2026-01-02 10:00:01,000 INFO org.A - after\n`
    const res = await post(text, 'text/plain')
    assert.deepEqual(res.json(), { accepted: 2, rejected: 0, dropped: 0, errors: [] })
    const r = await search({ q: 'IllegalStateException' })
    assert.equal(r.total, 1)
    assert.equal(r.hits[0]!.jobId, JOB_A)
    assert.match(r.hits[0]!.stackTrace ?? '', /poison plaintext/)
  })

  it('rejects bad parameters with a clear 400', async () => {
    assert.equal((await app.http.inject({ method: 'GET', url: '/api/v1/logs/search?cursor=zzz' })).statusCode, 400)
    assert.equal((await app.http.inject({ method: 'GET', url: '/api/v1/logs/search?from=notatime' })).statusCode, 400)
    assert.equal((await app.http.inject({ method: 'GET', url: '/api/v1/logs/search?limit=0' })).statusCode, 400)
  })

  it('a q at its bound fits the request-target limit even in 4-byte characters; one more is the schema\'s 400, not a 414', async () => {
    const q = (n: number) => encodeURIComponent('\u{1F600}'.repeat(n))
    assert.equal((await app.http.inject({ method: 'GET', url: `/api/v1/logs/search?q=${q(600)}` })).statusCode, 200)
    const over = await app.http.inject({ method: 'GET', url: `/api/v1/logs/search?q=${q(601)}` })
    assert.equal(over.statusCode, 400, over.body)
  })
})

describe('logs API roles and live tail', () => {
  it('needs operator to ingest, viewer to search', async () => {
    const config = testConfig({ auth: { tokens: [{ name: 'v', token: 'viewer-token-123456', role: 'viewer' }, { name: 'o', token: 'operator-token-123456', role: 'operator' }] } })
    const app = await buildApp(config, { logger: captureLogger().logger })
    await app.start()
    try {
      const as = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/x-ndjson' })
      assert.equal((await app.http.inject({ method: 'POST', url: '/api/v1/logs', headers: as('viewer-token-123456'), payload: line(1) })).statusCode, 403)
      assert.equal((await app.http.inject({ method: 'POST', url: '/api/v1/logs', headers: as('operator-token-123456'), payload: line(1) })).statusCode, 200)
      assert.equal((await app.http.inject({ method: 'GET', url: '/api/v1/logs/search', headers: as('viewer-token-123456') })).statusCode, 200)
    } finally {
      await app.stop()
    }
  })

  it('pushes stored lines matching the client\'s filters to the logs topic', async () => {
    const { createLogsModule } = await import('../../../src/logs/module.js')
    const app = await buildApp(testConfig(), { logger: captureLogger().logger })
    await app.start()
    // A second module instance on the same context: its topic is driven by its own pipeline.
    const mod = createLogsModule({ ...app.context, registry: new (await import('prom-client')).Registry() })
    const hub = new StreamHub()
    for (const t of mod.topics ?? []) hub.register(t)
    const sent: string[] = []
    hub.attach({ bufferedAmount: 0, send: (d) => void sent.push(d) }, { topics: 'logs', job: 'orders', q: 'level:error' }, 1024)
    assert.throws(() => hub.attach({ bufferedAmount: 0, send: () => {} }, { topics: 'logs', q: Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ') }, 1024), /more than 32/)
    try {
      await mod.pipeline.ingest(Array.from({ length: 20 }, (_, i) => {
        const out = mod.pipeline.decode({ value: Buffer.from(line(i)), id: `tail-${i}`, origin: 'test', receivedAt: T0 }, 'http')
        assert.ok(out.ok)
        return out.record
      }))
      const msgs = sent.map((s) => JSON.parse(s) as { topic: string; type: string; data: LogHit })
      assert.deepEqual(msgs.map((m) => m.data.message), ['processed key=k0 token=tok0', 'processed key=k10 token=tok10'])
      assert.equal(msgs[0]!.topic, 'logs')
    } finally {
      await mod.pipeline.stop(1000)
      await app.stop()
    }
  })
})
