import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { toDocument } from '../../../src/logs/document.js'
import { compileMatcher } from '../../../src/logs/query/matcher.js'
import { parseLogQuery } from '../../../src/logs/query/parse.js'
import { NO_MATCH, toStoreQuery } from '../../../src/logs/query/to-store-query.js'
import type { LogRecord } from '../../../src/model/log-record.js'

const JOB = '0123456789abcdef0123456789abcdef'

describe('parseLogQuery', () => {
  it('parses words, phrases, fields and exclusions', () => {
    const p = parseLogQuery('checkpoint "declined by" level:error -timeout job:orders -"unknown host" TM:tm-1 logger:"a.B c"')
    assert.deepEqual(p.must, [
      { kind: 'term', value: 'checkpoint' },
      { kind: 'phrase', value: 'declined by' },
    ])
    assert.deepEqual(p.mustNot, [
      { kind: 'term', value: 'timeout' },
      { kind: 'phrase', value: 'unknown host' },
    ])
    assert.deepEqual(p.fields, { level: ['ERROR'], job: ['orders'], taskManager: ['tm-1'], logger: ['a.B c'] })
  })

  it('turns words that tokenize into several tokens into phrases, and drops punctuation-only words', () => {
    const p = parseLogQuery('token=abc-123 -- ==> key:value')
    assert.deepEqual(p.must, [
      { kind: 'phrase', value: 'token abc 123' },
      { kind: 'phrase', value: 'key value' },
    ])
  })

  it('folds case and diacritics like unicode61', () => {
    assert.deepEqual(parseLogQuery('Café').must, [{ kind: 'term', value: 'cafe' }])
  })

  it('survives an unbalanced quote', () => {
    assert.deepEqual(parseLogQuery('a "b c').must, [
      { kind: 'term', value: 'a' },
      { kind: 'phrase', value: 'b c' },
    ])
  })

  it('refuses absurdly long queries', () => {
    assert.throws(() => parseLogQuery(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ')), /more than 32 clauses/)
  })
})

describe('toStoreQuery', () => {
  it('maps job to id or name and intersects filters', () => {
    const q = toStoreQuery(parseLogQuery(`job:${JOB.toUpperCase()} level:warn level:error`), { level: 'ERROR' }, {})
    assert.deepEqual(q.where, { 'flink.job.id': [JOB], 'log.level': ['ERROR'] })
    const none = toStoreQuery(parseLogQuery('level:info'), { level: 'ERROR' }, {})
    assert.deepEqual(none.where, { 'log.level': [NO_MATCH] })
    const name = toStoreQuery(parseLogQuery(''), { job: 'orders' }, { limit: 5 })
    assert.deepEqual(name.where, { 'flink.job.name': ['orders'] })
    assert.equal(name.text, undefined)
    assert.equal(name.order, 'desc')
  })
})

describe('tail matcher', () => {
  const rec = (over: Partial<LogRecord>): LogRecord => ({
    id: 'x', timestamp: 0, level: 'INFO', message: 'Checkpoint 7 declined by task', logger: 'a.B', thread: 't', cluster: 'c', jobId: JOB, jobName: 'orders', taskManager: 'tm-1',
    errorType: null, errorMessage: null, stackTrace: null, truncated: false, origin: 'test', ...over,
  })
  it('matches like the stores do', () => {
    const body = toDocument(rec({})).body
    const m = (q: string, f = {}): boolean => compileMatcher(parseLogQuery(q), f)(body)
    assert.equal(m('checkpoint declined'), true)
    assert.equal(m('"declined by"'), true)
    assert.equal(m('"by declined"'), false)
    assert.equal(m('checkpoint -task'), false)
    assert.equal(m('level:INFO job:orders'), true)
    assert.equal(m(`job:${JOB}`, { level: 'WARN' }), false)
    assert.equal(m('', { job: 'orders', taskManager: 'tm-1' }), true)
    assert.equal(m('-level:info'), false)
    const withStack = toDocument(rec({ stackTrace: 'java.lang.NullPointerException\n\tat x' })).body
    assert.equal(compileMatcher(parseLogQuery('NullPointerException'))(withStack), true)
  })
})
