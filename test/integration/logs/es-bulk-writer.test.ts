/**
 * The raw-bulk writer (src/logs/es-bulk-writer.ts) against the real Elasticsearch: it stores exactly the
 * documents ElasticsearchStore.write(..., 'create') stores, counts redeliveries as duplicates, reports mapping
 * refusals per document (so StoreLogSink dead-letters them), and reports an unreachable node as retriable.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { AppError } from '../../../src/core/errors.js'
import { createLogger } from '../../../src/core/logger.js'
import { systemClock } from '../../../src/core/clock.js'
import { decodeLog } from '../../../src/logs/decode/decode.js'
import { DEAD_LETTER_COLLECTION, LOGS_COLLECTION, deadLetterCollection, logsCollection, toDocument } from '../../../src/logs/document.js'
import { EsBulkWriter } from '../../../src/logs/es-bulk-writer.js'
import { LogDocument } from '../../../src/logs/log-document.js'
import { LogMetrics } from '../../../src/logs/metrics.js'
import { StoreLogSink } from '../../../src/logs/sink.js'
import { ElasticsearchStore } from '../../../src/storage/elasticsearch-store.js'
import type { NewDoc } from '../../../src/storage/store.js'
import { STACK, uniqueId } from '../../helpers/stack.js'
import { makeLine, rng } from './lines.js'

const T0 = Date.UTC(2026, 0, 4, 23, 59, 58)

function docs(n: number, idPrefix: string): NewDoc[] {
  const r = rng(9)
  const out: NewDoc[] = []
  for (let i = 0; i < n; i++) {
    const l = makeLine(i, r, { start: T0, stepMs: 50, cluster: 'bulkw', stackShare: 0.2 })
    const dec = decodeLog({ value: Buffer.from(i === 3 ? l.value.replace('"message":"', '"message":"Ünïcödé café ') : l.value), key: Buffer.from(l.key), id: `${idPrefix}-${i}`, origin: `test/${i}`, receivedAt: T0 }, { maxRecordBytes: 32768 })
    assert.ok(dec.ok)
    // Both kinds the writer serialises differently: the pipeline's LogDocument (from the record's fields) and
    // any other NewDoc (from its body).
    out.push(i % 2 === 0 ? new LogDocument(dec.record) : toDocument(dec.record))
  }
  return out
}

async function sources(index: string): Promise<Map<string, unknown>> {
  await fetch(`${STACK.elasticsearch}/${index}/_refresh`, { method: 'POST' })
  const res = (await (await fetch(`${STACK.elasticsearch}/${index}/_search?size=1000&sort=_fw_id:asc`, { headers: { 'content-type': 'application/json' } })).json()) as { hits: { hits: { _id: string; _index: string; _source: Record<string, unknown> }[] } }
  // The token field is excluded from _source; compare it through the stored index docs instead of here.
  return new Map(res.hits.hits.map((h) => [h._id, { index: h._index.replace(/^[^-]+-[^-]+-/, ''), source: h._source }]))
}

describe('EsBulkWriter', { timeout: 120_000 }, () => {
  const prefixA = uniqueId('fwbw').replace(/-/g, '')
  const prefixB = uniqueId('fwbw').replace(/-/g, '')
  let storeA: ElasticsearchStore
  let storeB: ElasticsearchStore
  let writer: EsBulkWriter

  before(async () => {
    storeA = await ElasticsearchStore.create({ type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: prefixA, requestTimeout: 30_000 })
    storeB = await ElasticsearchStore.create({ type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: prefixB, requestTimeout: 30_000 })
    await storeA.init([logsCollection, deadLetterCollection])
    await storeB.init([logsCollection, deadLetterCollection])
    writer = new EsBulkWriter({ storage: { type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: prefixB, requestTimeout: 30_000 }, analysis: storeB.analysis })
  })

  after(async () => {
    await writer?.close()
    for (const p of [prefixA, prefixB]) {
      await fetch(`${STACK.elasticsearch}/${p}-*`, { method: 'DELETE' }).catch(() => undefined)
      await fetch(`${STACK.elasticsearch}/_index_template/${p}-*`, { method: 'DELETE' }).catch(() => undefined)
    }
    await storeA?.close()
    await storeB?.close()
  })

  it('stores the same documents as the store, across a day boundary, and finds the same hits', async () => {
    const batch = docs(200, 'k-t-0')
    // A third kind: LogDocuments encoded ahead (what the pipeline does on Elasticsearch), records let go.
    batch.forEach((d, i) => i % 4 === 0 && d instanceof LogDocument && assert.ok(writer.encode(d, false)))
    const a = await storeA.write(LOGS_COLLECTION, batch, 'create')
    const b = await writer.write(batch, new AbortController().signal)
    assert.deepEqual(b, a)
    assert.deepEqual(b, { written: 200, duplicates: 0, failed: [] })
    const [sa, sb] = [await sources(`${prefixA}-${LOGS_COLLECTION}`), await sources(`${prefixB}-${LOGS_COLLECTION}`)]
    assert.equal(sb.size, 200)
    assert.deepEqual(sb, sa)
    assert.equal(new Set([...sb.values()].map((v) => (v as { index: string }).index)).size, 2, 'two daily indices')
    // Same text matches (the pretokenized field or the native analyzer): compare a few searches.
    for (const text of ['poison', 'Frame12 invoke', 'unicode cafe', 'checkpoint declined']) {
      const q = { text: { must: text.split(' ').map((value) => ({ kind: 'term' as const, value: value.toLowerCase() })), mustNot: [] }, limit: 500 }
      const [ra, rb] = [await storeA.query(LOGS_COLLECTION, q), await storeB.query(LOGS_COLLECTION, q)]
      assert.ok(ra.total > 0, text)
      assert.deepEqual(rb.docs.map((d) => d.id), ra.docs.map((d) => d.id), text)
    }
  })

  it('counts a redelivery as duplicates and refuses a bad document alone; the sink dead-letters it', async () => {
    const batch = docs(5, 'k-t-0')
    const bad: NewDoc = { id: 'k-t-1-bad', timestamp: T0, body: { ...batch[0]!.body, log: { level: { not: 'a keyword' } } } }
    const fresh: NewDoc = { ...batch[1]!, id: 'k-t-1-fresh' }
    const r = await writer.write([...batch, bad, fresh, { id: 'k-t-1-nan', timestamp: Number.NaN, body: {} }], new AbortController().signal)
    assert.equal(r.written, 1)
    assert.equal(r.duplicates, 5)
    assert.deepEqual(r.failed.map((f) => [f.id, f.retriable]), [['k-t-1-nan', false], ['k-t-1-bad', false]])
    assert.match(r.failed[1]!.reason, /pars/)

    const sink = new StoreLogSink({ store: storeB, clock: systemClock, logger: createLogger({ level: 'silent' }), metrics: new LogMetrics(new Registry()), writeLogs: (d, s) => writer.write(d, s) })
    const bad2: NewDoc = { ...bad, id: 'k-t-2-bad' }
    const res = await sink.write([bad2, { ...fresh, id: 'k-t-2-fresh' }], new AbortController().signal)
    assert.deepEqual({ w: res.written, d: res.deadLettered, ids: [...res.failedIds] }, { w: 1, d: 1, ids: ['k-t-2-bad'] })
    const dead = await storeB.get(DEAD_LETTER_COLLECTION, 'k-t-2-bad')
    assert.match(String(dead?.body['reason']), /pars/)
  })

  it('reports an unreachable Elasticsearch as retriable', async () => {
    const w = new EsBulkWriter({ storage: { type: 'elasticsearch', node: 'http://127.0.0.1:9', indexPrefix: prefixB, requestTimeout: 5000 }, analysis: 'native' })
    try {
      await assert.rejects(w.write(docs(1, 'x'), new AbortController().signal), (err: unknown) => err instanceof AppError && err.retriable && /unreachable/.test(err.message))
    } finally {
      await w.close()
    }
  })
})
