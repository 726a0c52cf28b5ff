import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { createLogger } from '../../../src/core/logger.js'
import { AppError } from '../../../src/core/errors.js'
import { BulkBatcher } from '../../../src/logs/batcher.js'
import { DEAD_LETTER_COLLECTION, LOGS_COLLECTION, deadLetterCollection, logsCollection } from '../../../src/logs/document.js'
import { LogMetrics } from '../../../src/logs/metrics.js'
import { StoreLogSink, type LogSink, type SinkResult } from '../../../src/logs/sink.js'
import type { NewDoc } from '../../../src/storage/store.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import { FakeClock, flushMicrotasks } from '../../helpers/fake-clock.js'
import { FailingStore } from './fakes.js'

const logger = createLogger({ level: 'silent' })
const doc = (i: number): NewDoc => ({ id: `d-${String(i).padStart(6, '0')}`, timestamp: Date.UTC(2026, 0, 1) + i, body: { message: `line ${i}`, log: { level: 'INFO' } } })
const entries = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ doc: doc(from + i), bytes: 100 }))

async function setup() {
  const clock = new FakeClock()
  const inner = SqliteStore.memory()
  await inner.init([logsCollection, deadLetterCollection])
  const failing = new FailingStore(inner)
  const metrics = new LogMetrics(new Registry())
  const sink = new StoreLogSink({ store: failing.asStore(), clock, logger, metrics, retry: { jitter: 0 } })
  return { clock, inner, failing, metrics, sink }
}

describe('StoreLogSink', () => {
  it('retries whole-bulk failures with backoff until the store is back, then writes every doc once', async () => {
    const { clock, inner, failing, sink, metrics } = await setup()
    failing.failNext = 3
    const state: { done?: SinkResult } = {}
    void sink.write([doc(1), doc(2)], new AbortController().signal).then((r) => (state.done = r))
    await flushMicrotasks()
    assert.equal(state.done, undefined)
    await clock.advance(200 + 400 + 800)
    const done = state.done as SinkResult | undefined
    assert.deepEqual(done && { w: done.written, d: done.duplicates }, { w: 2, d: 0 })
    assert.equal(failing.calls.length, 4)
    assert.equal((await metrics.bulkRetries.get()).values[0]?.value, 3)
    assert.equal((await inner.query(LOGS_COLLECTION, {})).total, 2)
  })

  it('sends per-document refusals to the dead-letter collection with the reason, and retries retriable ones', async () => {
    const { clock, inner, failing, sink } = await setup()
    failing.refuse.set('d-000002', ['mapper_parsing_exception: failed to parse field [log.level]', false])
    failing.refuse.set('d-000003', ['es_rejected_execution_exception (429)', true])
    const p = sink.write([doc(1), doc(2), doc(3)], new AbortController().signal)
    await clock.advance(1000)
    const r = await p
    assert.equal(r.written, 2)
    assert.equal(r.deadLettered, 1)
    assert.deepEqual([...r.failedIds], ['d-000002'])
    const dead = await inner.get(DEAD_LETTER_COLLECTION, 'd-000002')
    assert.match(String(dead?.body['reason']), /mapper_parsing_exception/)
    assert.match(String(dead?.body['document']), /line 2/)
    assert.equal((await inner.query(LOGS_COLLECTION, {})).total, 2)
  })

  it('counts redelivered ids as duplicates (create mode)', async () => {
    const { sink } = await setup()
    const s = new AbortController().signal
    await sink.write([doc(1), doc(2)], s)
    const r = await sink.write([doc(2), doc(3)], s)
    assert.deepEqual({ w: r.written, d: r.duplicates }, { w: 1, d: 1 })
  })

  it('gives up when aborted, without writing', async () => {
    const { failing, sink } = await setup()
    failing.failNext = 100
    const ac = new AbortController()
    const p = sink.write([doc(1)], ac.signal)
    await flushMicrotasks()
    ac.abort(new Error('stopping'))
    await assert.rejects(p, /stopping/)
  })

  it('does not retry a non-retriable whole-bulk error', async () => {
    const { failing, sink } = await setup()
    failing.failNext = 1
    failing.failWith = () => new AppError('ERR_STORE', 'bad collection', { retriable: false })
    await assert.rejects(sink.write([doc(1)], new AbortController().signal), /bad collection/)
  })
})

/** A sink the test completes by hand. */
class ManualSink implements LogSink {
  readonly bulks: { docs: readonly NewDoc[]; resolve: (r: SinkResult) => void; reject: (e: unknown) => void }[] = []
  write(docs: readonly NewDoc[]): Promise<SinkResult> {
    return new Promise((resolve, reject) => this.bulks.push({ docs, resolve, reject }))
  }
  complete(i: number): void {
    const b = this.bulks[i]!
    b.resolve({ written: b.docs.length, duplicates: 0, deadLettered: 0, failedIds: new Set() })
  }
}

describe('BulkBatcher', () => {
  const cfg = { maxRecords: 10, maxBytes: 10_000, flushIntervalMs: 1000, maxInFlight: 2, maxBufferedRecords: 30 }

  it('flushes at once when idle, gathers while a bulk is out, and flushes by count', async () => {
    const clock = new FakeClock()
    const sink = new ManualSink()
    const b = new BulkBatcher(sink, cfg, clock)
    void b.add(entries(0, 3))
    assert.equal(sink.bulks.length, 1, 'idle: no waiting')
    void b.add(entries(3, 4))
    assert.equal(sink.bulks.length, 1, 'one bulk out: gather')
    void b.add(entries(7, 8))
    assert.equal(sink.bulks.length, 2, 'full: second bulk')
    assert.equal(sink.bulks[1]!.docs.length, 10)
    assert.equal(b.buffered, 2)
    sink.complete(0)
    await flushMicrotasks()
    assert.equal(sink.bulks.length, 2, 'still one out and the rest is small')
    await clock.advance(1000)
    assert.equal(sink.bulks.length, 3, 'the timer flushes the remainder')
    assert.deepEqual(sink.bulks[2]!.docs.map((d) => d.id), ['d-000013', 'd-000014'])
  })

  it('flushes by bytes', async () => {
    const clock = new FakeClock()
    const sink = new ManualSink()
    const b = new BulkBatcher(sink, { ...cfg, maxBytes: 250 }, clock)
    void b.add(entries(0, 1))
    void b.add(entries(1, 5))
    assert.equal(sink.bulks.length, 2)
    assert.equal(sink.bulks[1]!.docs.length, 2, '2 x 100 bytes fit in 250')
  })

  it('never has more than maxInFlight bulks out, and add() waits when the buffer is full (backpressure)', async () => {
    const clock = new FakeClock()
    const sink = new ManualSink()
    const b = new BulkBatcher(sink, cfg, clock)
    const adds: Promise<void>[] = []
    for (let i = 0; i < 5; i++) adds.push(b.add(entries(i * 10, 10)))
    await flushMicrotasks()
    assert.equal(sink.bulks.length, 2)
    assert.equal(b.buffered, 30, 'three more bulks buffered')
    let sixthAccepted = false
    const sixth = b.add(entries(50, 10)).then(() => (sixthAccepted = true))
    await flushMicrotasks()
    assert.equal(b.buffered, 30, 'the sixth add waits for room')
    sink.complete(0)
    await flushMicrotasks()
    await adds[0]
    assert.equal(sink.bulks.length, 3)
    assert.equal(b.buffered, 30, 'room freed, sixth add buffered')
    for (let i = 1; i < 6; i++) {
      sink.complete(i)
      await flushMicrotasks()
    }
    await Promise.all([...adds, sixth])
    assert.equal(sixthAccepted, true)
  })

  it('resolves an add only when all of its docs are written, across bulks', async () => {
    const clock = new FakeClock()
    const sink = new ManualSink()
    const b = new BulkBatcher(sink, cfg, clock)
    let done = false
    void b.add(entries(0, 15)).then(() => (done = true))
    assert.equal(sink.bulks.length, 1)
    sink.complete(0)
    await flushMicrotasks()
    assert.equal(sink.bulks.length, 2, 'the rest goes when the pipe is idle again')
    assert.equal(done, false)
    sink.complete(1)
    await flushMicrotasks()
    assert.equal(done, true)
  })

  it('stop() flushes what is buffered; bulks still out after the grace period fail their adds', async () => {
    const clock = new FakeClock()
    const sink = new ManualSink()
    const b = new BulkBatcher(sink, cfg, clock)
    const first = b.add(entries(0, 1)).then(() => 'written', (err: unknown) => err)
    const second = b.add(entries(1, 1))
    const stopping = b.stop(5000)
    assert.equal(sink.bulks.length, 2, 'stop flushes the buffer')
    sink.complete(1)
    await clock.advance(5000)
    await stopping
    assert.match(String(await first), /stopped/)
    await second
    await assert.rejects(b.add(entries(5, 1)), /stopped/)
  })
})
