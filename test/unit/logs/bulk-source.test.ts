import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isoTime, logSource } from '../../../src/logs/bulk-source.js'
import { decodeLog } from '../../../src/logs/decode/decode.js'
import { fromDocument, logsCollection, toDocument } from '../../../src/logs/document.js'
import { EsBulkWriter } from '../../../src/logs/es-bulk-writer.js'
import { LogDocument, recordOf } from '../../../src/logs/log-document.js'
import type { LogRecord } from '../../../src/model/log-record.js'
import { BODY_TS_FIELD, ID_FIELD, TOKENS_FIELD, textFieldKey, unicode61Tokens } from '../../../src/storage/es-mapping.js'
import { sourceFor } from '../../../src/storage/es-source.js'
import { makeLine, rng } from '../../integration/logs/lines.js'

const base: LogRecord = { id: 'k-t-0-00000000000000000001', timestamp: Date.UTC(2026, 0, 4, 23, 59, 59, 999), level: null, message: '', logger: null, thread: null, cluster: null, jobId: null, jobName: null, taskManager: null, errorType: null, errorMessage: null, stackTrace: null, truncated: false, origin: 'kafka:t/0/1' }

function records(): LogRecord[] {
  const out: LogRecord[] = [
    base,
    { ...base, logger: 'only.a.Logger', message: 'x' },
    { ...base, level: 'WARN', message: 'quotes " and \\ and \n newlines \u0001 control \u2028 sep', thread: 'Source: kafka (1/4)#0', truncated: true },
    { ...base, errorMessage: 'no type', jobName: 'name-without-id', taskManager: 'tm-1' },
    { ...base, errorType: 'java.lang.X', stackTrace: 'java.lang.X: é\n\tat a.B(B.java:1)', cluster: 'c', jobId: 'ab'.repeat(16) },
    { ...base, level: 'INFO', logger: '', thread: '', cluster: '', message: 'Ünïcödé café 𝔘𝔫𝔦 ①', timestamp: 1.7 },
    { ...base, id: 'marker-abc', level: 'WARN', logger: 'flinkwatch.ratelimit', message: '12 lines dropped', cluster: 'c', jobId: 'j', jobName: 'n', origin: 'flinkwatch:rate-limit', marker: { dropped: 12, from: 1, to: 2 } },
  ]
  const r = rng(5)
  for (let i = 0; i < 300; i++) {
    const l = makeLine(i, r, { start: Date.UTC(2026, 0, 1), stepMs: 997, cluster: 'c', stackShare: 0.3 })
    const dec = decodeLog({ value: Buffer.from(l.value), key: Buffer.from(l.key), id: `k-t-0-${i}`, origin: `kafka:t/0/${i}`, receivedAt: 0 }, { maxRecordBytes: 32768 })
    assert.ok(dec.ok)
    out.push(dec.record)
  }
  return out
}

describe('logSource', () => {
  it('is, character for character, the _source the store writes for toDocument(record), with and without tokens', () => {
    for (const r of records()) {
      for (const analysis of ['pretokenized', 'native'] as const) {
        assert.equal(logSource(r, analysis === 'pretokenized'), sourceFor(logsCollection, analysis, toDocument(r)), JSON.stringify(r))
      }
    }
  })

  it('carries the pretokenized text fields the store would, and none under native analysis', () => {
    const r = { ...base, message: 'Checkpoint 7 FAILED', stackTrace: 'java.io.IOException: disk' }
    const parsed = JSON.parse(logSource(r, true)) as Record<string, unknown>
    assert.deepEqual(parsed[TOKENS_FIELD], { [textFieldKey(0)]: unicode61Tokens(r.message).join(' '), [textFieldKey(1)]: unicode61Tokens(r.stackTrace).join(' ') })
    assert.equal(parsed[ID_FIELD], r.id)
    assert.equal(parsed[BODY_TS_FIELD], new Date(r.timestamp).toISOString())
    assert.equal(TOKENS_FIELD in (JSON.parse(logSource(r, false)) as object), false)
  })
})

describe('isoTime', () => {
  it('is toISOString, for times in order and out of order, negative, fractional and far ones', () => {
    const r = rng(11)
    const times = [0, -1, -999, -1000, -1001, 1.5, -1.5, 999.9, 8.64e15, -8.64e15, Date.UTC(2026, 0, 1), Date.UTC(10000, 0, 1), Date.UTC(-5, 0, 1)]
    let t = Date.UTC(2026, 0, 4, 23, 59, 58)
    for (let i = 0; i < 5000; i++) times.push((t += Math.floor(r() * 7)), i % 97 === 0 ? t - 5000 : t)
    for (const x of times) assert.equal(isoTime(x), new Date(x).toISOString(), String(x))
  })
})

describe('LogDocument', () => {
  it('is the NewDoc toDocument makes, with its body built on first read', () => {
    for (const r of records().slice(0, 20)) {
      const d = new LogDocument(r)
      const plain = toDocument(r)
      assert.deepEqual({ id: d.id, timestamp: d.timestamp, body: d.body }, plain)
      assert.equal(d.body, d.body, 'built once')
      assert.equal(recordOf(d), r)
      assert.deepEqual([recordOf(plain).id, recordOf(plain).message, recordOf(plain).level], [r.id, r.message, r.level], 'other documents: read back from the body')
    }
  })
})

describe('LogDocument encoded ahead (EsBulkWriter.encode)', () => {
  it('gives back the same body and record from its bulk bytes once the record is let go', () => {
    // No request is made: encode() only writes bytes.
    const writer = new EsBulkWriter({ storage: { type: 'elasticsearch', node: 'http://127.0.0.1:1', indexPrefix: 'fw', requestTimeout: 1000 }, analysis: 'pretokenized' })
    for (const r of records().filter((x) => x.timestamp >= 1)) {
      const kept = new LogDocument(r)
      assert.ok(writer.encode(kept, true))
      assert.equal(kept.record, r, 'kept')
      const d = new LogDocument(r)
      assert.ok(writer.encode(d, false))
      const line = d.bulk!.toString('utf8', d.bulkStart, d.bulkEnd)
      assert.equal(line.split('\n')[1], sourceFor(logsCollection, 'pretokenized', toDocument(r)))
      assert.ok(line.startsWith(`{"create":{"_index":"fw-logs-${new Date(r.timestamp).toISOString().slice(0, 10).replace(/-/g, '.')}","_id":${JSON.stringify(r.id)}}}\n`))
      assert.deepEqual(d.body, toDocument(r).body)
      assert.deepEqual(d.record, fromDocument(toDocument(r)))
      assert.equal(d.level, r.level)
    }
  })
})
