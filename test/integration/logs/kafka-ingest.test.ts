/**
 * Kafka → flinkwatch → store on both backends from one topic, then (b) the differential test: the same
 * queries return the same hits on the embedded store and on Elasticsearch.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import type { LogHit } from '../../../src/logs/document.js'
import { STACK, createTopic, kafka, uniqueId, waitFor } from '../../helpers/stack.js'
import { startService, testConfig, type RunningService } from '../../helpers/service.js'
import { makeLine, rng, JOBS } from './lines.js'

const N = 3000
const T0 = Date.UTC(2026, 0, 1, 12)

interface SearchBody {
  hits: LogHit[]
  total: number
  nextCursor: string | null
}

async function search(svc: RunningService, qs: Record<string, string>): Promise<SearchBody> {
  const res = await fetch(`${svc.url}/api/v1/logs/search?${new URLSearchParams(qs)}`)
  const text = await res.text()
  assert.equal(res.status, 200, text)
  return JSON.parse(text) as SearchBody
}

async function allIds(svc: RunningService, qs: Record<string, string>): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | null = null
  do {
    const r: SearchBody = await search(svc, { ...qs, limit: '1000', ...(cursor ? { cursor } : {}) })
    ids.push(...r.hits.map((h) => h.id))
    cursor = r.nextCursor
  } while (cursor)
  return ids
}

describe('Kafka log ingestion on both backends', { timeout: 240_000 }, () => {
  const topic = uniqueId('fw-logs-it')
  const prefix = uniqueId('fwlogsit')
  let embedded: RunningService
  let es: RunningService
  let valid = 0

  before(async () => {
    await createTopic(topic, 3)
    const r = rng(7)
    const producer = kafka().producer()
    await producer.connect()
    const corpus = JSON.parse(readFileSync(new URL('../../fixtures/logs/fuzz-corpus.json', import.meta.url), 'utf8')) as { bad: { kind: string; value: string }[] }
    const messages: { key: string | null; value: Buffer }[] = []
    for (let i = 0; i < N; i++) {
      const l = makeLine(i, r, { start: T0, stepMs: 7, jobs: 4, cluster: 'it' })
      messages.push({ key: l.key, value: Buffer.from(l.value) })
      // Bad records between valid ones: none may stop the service or hide a neighbour.
      if (i % 100 === 50) {
        const b = corpus.bad[(i / 100) % corpus.bad.length | 0]!
        messages.push({ key: null, value: b.kind === 'text' ? Buffer.from(b.value) : Buffer.from(b.value, 'base64') })
      }
    }
    valid = N
    for (let i = 0; i < messages.length; i += 1000) await producer.send({ topic, messages: messages.slice(i, i + 1000) })
    await producer.disconnect()
    const logs = (group: string) => ({
      kafka: { brokers: [STACK.kafka], topics: [topic], groupId: group },
      rateLimit: { perJob: { linesPerSecond: 1e6, burst: 1e6 }, perTaskManager: { linesPerSecond: 1e6, burst: 1e6 } },
    })
    embedded = await startService(testConfig({ logs: logs(uniqueId('g-emb')) }))
    es = await startService(testConfig({ logs: logs(uniqueId('g-es')), storage: { type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: prefix } }))
  })

  after(async () => {
    await embedded?.stop()
    await es?.stop()
    await fetch(`${STACK.elasticsearch}/${prefix}-*`, { method: 'DELETE' }).catch(() => undefined)
    await fetch(`${STACK.elasticsearch}/_index_template/${prefix}-*`, { method: 'DELETE' }).catch(() => undefined)
  })

  it('stores every valid line exactly once, despite the bad records between them', async () => {
    for (const svc of [embedded, es]) {
      // Valid lines plus bad records kept as raw text; none twice.
      await waitFor('all lines searchable', async () => (await search(svc, { q: 'seq', cluster: 'it', limit: '1' })).total >= valid, 120_000, 500)
      const ids = await allIds(svc, { cluster: 'it' })
      assert.equal(ids.length, valid)
      assert.equal(new Set(ids).size, valid)
      const metrics = await (await fetch(`${svc.url}/metrics`)).text()
      assert.match(metrics, /flinkwatch_logs_rejected_total\{source="kafka",reason="binary"\} [1-9]/)
    }
  })

  it('answers the same queries with the same hits on embedded and Elasticsearch (differential)', async () => {
    // Kafka offsets make the ids, and both consumed the same topic: hits compare by id.
    const queries: Record<string, string>[] = [
      { q: 'checkpoint declined' },
      { q: '"checkpoint declined"' },
      { q: 'watermark -timeout' },
      { q: 'level:error IllegalStateException' },
      { q: 'poison', job: JOBS[0]!.id },
      { q: 'seq=1234' },
      { q: 'barrier', job: JOBS[1]!.name },
      { q: 'level:warn logger:org.apache.flink.runtime.taskmanager.Task' },
      { q: 'tm:tm-2 -level:info snapshot' },
      { q: 'Frame12 invoke' },
      { level: 'WARN,ERROR', taskManager: 'tm-1' },
      { q: 'restored state', from: new Date(T0 + 5000).toISOString(), to: new Date(T0 + 15000).toISOString() },
      { q: '"thread:" Source' },
      { q: '-processed -checkpoint', cluster: 'it' },
    ]
    for (const q of queries) {
      const [a, b] = [await allIds(embedded, q), await allIds(es, q)]
      assert.ok(a.length > 0 || JSON.stringify(q).includes('thread'), `query ${JSON.stringify(q)} should match something`)
      assert.deepEqual(b, a, `same hits for ${JSON.stringify(q)}`)
    }
  })
})
