import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { decodeLog, type RawLog } from '../../../src/logs/decode/decode.js'
import { parsePlainText, splitPlainTextEvents } from '../../../src/logs/decode/plain-text.js'
import { looksBinary } from '../../../src/logs/decode/utf8.js'

const FIX = new URL('../../fixtures/logs/', import.meta.url)
const opts = { maxRecordBytes: 32768 }
const raw = (value: string | Uint8Array, extra: Partial<RawLog> = {}): RawLog => ({
  value: typeof value === 'string' ? Buffer.from(value) : value,
  id: 'id-1',
  origin: 'test',
  receivedAt: Date.UTC(2026, 0, 2),
  ...extra,
})

describe('ECS JSON', () => {
  const lines = readFileSync(new URL('ecs-sample.ndjson', FIX), 'utf8').trim().split('\n')

  it('reads the stack layout (dotted keys, flattened MDC)', () => {
    const out = decodeLog(raw(lines[0]!), opts)
    assert.ok(out.ok)
    assert.deepEqual(out.issues, [])
    const r = out.record
    assert.equal(r.timestamp, Date.parse('2026-01-01T10:00:00.123Z'))
    assert.equal(r.level, 'INFO')
    assert.equal(r.message, 'processed key=a count=3 token=tok-1')
    assert.equal(r.logger, 'flinkwatch.testjob.TestJob')
    assert.equal(r.thread, 'counter (1/1)#0')
    assert.equal(r.jobId, '9f86d081884c7d659a2feaa0c55ad015')
    assert.equal(r.taskManager, 'tm-1')
    assert.equal(r.cluster, 'local')
    assert.equal(r.truncated, false)
  })

  it('reads nested objects and error fields; lower-cases job ids', () => {
    const out = decodeLog(raw(lines[1]!), opts)
    assert.ok(out.ok)
    const r = out.record
    assert.equal(r.level, 'ERROR')
    assert.equal(r.logger, 'org.apache.flink.runtime.taskmanager.Task')
    assert.equal(r.thread, 'Source: kafka (1/1)#0')
    assert.equal(r.jobId, '9f86d081884c7d659a2feaa0c55ad015')
    assert.equal(r.jobName, 'orders')
    assert.equal(r.taskManager, 'tm-2')
    assert.equal(r.cluster, 'prod')
    assert.equal(r.errorType, 'java.lang.IllegalStateException')
    assert.equal(r.errorMessage, 'poison')
    assert.match(r.stackTrace ?? '', /TestJob\.map\(TestJob\.java:42\)/)
  })

  it('takes the job id from EcsLayout labels and the job name from jobName', () => {
    const out = decodeLog(raw(lines[2]!), opts)
    assert.ok(out.ok)
    assert.equal(out.record.jobId, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')
    assert.equal(out.record.jobName, 'payments')
    assert.equal(out.record.level, 'WARN')
  })

  it('fills identity from Kafka headers and the record key, fields in the record win', () => {
    const headers = { 'flink.cluster': Buffer.from('eu'), 'flink.job.name': 'etl', 'flink.taskmanager.id': Buffer.from('tm-h') }
    const out = decodeLog(raw('{"message":"m","@timestamp":"2026-01-01T00:00:00Z"}', { headers, key: Buffer.from('0123456789ABCDEF0123456789abcdef') }), opts)
    assert.ok(out.ok)
    assert.equal(out.record.cluster, 'eu')
    assert.equal(out.record.jobName, 'etl')
    assert.equal(out.record.taskManager, 'tm-h')
    assert.equal(out.record.jobId, '0123456789abcdef0123456789abcdef')
    const keyed = decodeLog(raw('{"message":"m","flink.taskmanager.id":"own"}', { key: Buffer.from('tm-from-key') }), opts)
    assert.ok(keyed.ok)
    assert.equal(keyed.record.taskManager, 'own')
    const keyOnly = decodeLog(raw('{"message":"m"}', { key: Buffer.from('tm-from-key') }), opts)
    assert.ok(keyOnly.ok)
    assert.equal(keyOnly.record.taskManager, 'tm-from-key')
  })

  it('falls back to the Kafka timestamp, then to the arrival time', () => {
    const a = decodeLog(raw('{"message":"m"}', { sourceTimestamp: 1234 }), opts)
    assert.ok(a.ok)
    assert.equal(a.record.timestamp, 1234)
    assert.ok(a.issues.includes('no_timestamp'))
    const b = decodeLog(raw('{"message":"m","@timestamp":1767225600}'), opts)
    assert.ok(b.ok)
    assert.equal(b.record.timestamp, 1767225600000)
  })
})

describe('plain text', () => {
  const text = [
    '2026-01-01 10:00:00,000 INFO  org.apache.flink.runtime.taskmanager.Task                    [] - Source: in (1/1) switched from RUNNING to FAILED.',
    'java.lang.RuntimeException: poison record',
    '\tat flinkwatch.testjob.TestJob$1.map(TestJob.java:50)',
    'Caused by: java.io.IOException: boom',
    '2026-01-01 10:00:01,500 WARN  org.apache.flink.A [job=0123456789abcdef0123456789abcdef] - next line',
  ].join('\n')

  it('joins stack traces to their line and parses Flink\'s pattern', () => {
    const events = splitPlainTextEvents(text)
    assert.equal(events.length, 2)
    assert.equal(events[1]!.firstLine, 5)
    const p = parsePlainText(events[0]!.text)
    assert.equal(p.timestamp, Date.UTC(2026, 0, 1, 10, 0, 0))
    assert.equal(p.level, 'INFO')
    assert.equal(p.logger, 'org.apache.flink.runtime.taskmanager.Task')
    assert.equal(p.message, 'Source: in (1/1) switched from RUNNING to FAILED.')
    assert.equal(p.errorType, 'java.lang.RuntimeException')
    assert.equal(p.errorMessage, 'poison record')
    assert.match(p.stackTrace ?? '', /Caused by: java.io.IOException: boom$/)
    const q = parsePlainText(events[1]!.text)
    assert.equal(q.jobId, '0123456789abcdef0123456789abcdef')
    assert.equal(q.level, 'WARN')
    assert.equal(q.message, 'next line')
  })

  it('keeps unparseable text as the message', () => {
    const out = decodeLog(raw('hello world'), opts)
    assert.ok(out.ok)
    assert.equal(out.record.message, 'hello world')
    assert.equal(out.record.level, null)
  })
})

describe('limits and garbage', () => {
  it('truncates records over maxRecordBytes and flags them, without splitting characters', () => {
    const msg = 'é'.repeat(400)
    const out = decodeLog(raw(JSON.stringify({ message: msg, 'error.stack_trace': 'x'.repeat(1000) })), { maxRecordBytes: 301 })
    assert.ok(out.ok)
    assert.equal(out.record.truncated, true)
    assert.ok(out.issues.includes('truncated'))
    assert.equal(out.record.message, 'é'.repeat(150))
    assert.equal(out.record.stackTrace, 'x', 'the stack trace gets what the message left of the budget')
  })

  it('keeps a record far over the limit as raw text', () => {
    const out = decodeLog(raw(JSON.stringify({ message: 'y'.repeat(3 * 1024 * 1024) })), { maxRecordBytes: 1024 })
    assert.ok(out.ok)
    assert.ok(out.issues.includes('oversized_raw'))
    assert.ok(Buffer.byteLength(out.record.message) <= 1024)
  })

  it('rejects empty and binary payloads with a reason', () => {
    assert.deepEqual(decodeLog(raw(''), opts), { ok: false, reason: 'empty' })
    assert.deepEqual(decodeLog({ ...raw(''), value: null }, opts), { ok: false, reason: 'empty' })
    assert.deepEqual(decodeLog(raw(Buffer.from([0x1f, 0x8b, 0, 0, 1, 2])), opts), { ok: false, reason: 'binary' })
  })

  it('rejects as binary exactly what looksBinary() finds binary (its byte scan runs only on texts with controls)', () => {
    let seed = 7
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
    for (let i = 0; i < 3000; i++) {
      const len = 1 + Math.floor(rnd() * 300)
      const bytes = Buffer.alloc(len)
      const controls = rnd() * 0.3
      for (let j = 0; j < len; j++) bytes[j] = rnd() < controls ? Math.floor(rnd() * 0x20) : rnd() < 0.1 ? 0x80 + Math.floor(rnd() * 0x80) : 0x20 + Math.floor(rnd() * 0x5f)
      const out = decodeLog(raw(bytes), opts)
      assert.equal(!out.ok && out.reason === 'binary', looksBinary(bytes), bytes.toString('hex'))
    }
  })

  it('keeps invalid UTF-8 with replacement characters', () => {
    const out = decodeLog(raw(Buffer.from([0x7b, 0x22, 0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d])), opts)
    assert.ok(out.ok)
    assert.equal(out.record.message, '\ufffd')
    assert.ok(out.issues.includes('invalid_utf8'))
  })

  it('never throws on the fuzz corpus or on random bytes, and keeps valid records intact', () => {
    const corpus = JSON.parse(readFileSync(new URL('fuzz-corpus.json', FIX), 'utf8')) as { valid: string[]; bad: { kind: 'text' | 'base64'; value: string }[] }
    for (const b of corpus.bad) {
      const bytes = b.kind === 'text' ? Buffer.from(b.value) : Buffer.from(b.value, 'base64')
      const out = decodeLog(raw(bytes), opts)
      if (out.ok) {
        assert.equal(typeof out.record.message, 'string')
        assert.ok(Number.isFinite(out.record.timestamp))
        assert.ok(Buffer.byteLength(out.record.message) <= opts.maxRecordBytes)
      } else assert.match(out.reason, /^(empty|binary)$/)
    }
    let seed = 42
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(rnd() * 200)
      const bytes = Buffer.alloc(len)
      for (let j = 0; j < len; j++) bytes[j] = rnd() < 0.5 ? '{}":,[]ab\\u0'.charCodeAt(Math.floor(rnd() * 12)) : Math.floor(rnd() * 256)
      decodeLog(raw(bytes), opts)
    }
    for (const v of corpus.valid) assert.ok(decodeLog(raw(v), opts).ok)
  })
})
