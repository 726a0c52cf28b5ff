import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { logsCollection, toDocument } from '../../src/logs/document.js'
import { TemplateMiner } from '../../src/logs/patterns/miner.js'
import { LogPatterns, type PatternParams, type PatternResult } from '../../src/logs/patterns/patterns-service.js'
import type { LogLevel, LogRecord } from '../../src/model/log-record.js'
import type { Store } from '../../src/storage/store.js'

/**
 * What GET /api/v1/logs/patterns answers, on every store (test/unit/causes, test/integration/storage): the
 * result of one newest-first pass over the window's lines, whatever way the service reads them (counts, time
 * chunks, several at once, the older rest page by page). The oracle below is that pass, written out: lines
 * sorted by (timestamp, id) descending, markers skipped, the first maxLines grouped in that order (Drain is
 * order-dependent: templates and examples change with it), truncated when any document follows the last one.
 */
export function patternsContract(name: string, make: () => Promise<Store>): void {
  const T0 = Date.UTC(2026, 0, 1)
  const recs: LogRecord[] = []
  const rec = (i: number, ts: number, level: LogLevel, message: string, cluster = 'c1', marker = false): LogRecord => ({
    id: `r${String(i).padStart(6, '0')}`, timestamp: ts, level, message, logger: null, thread: null, cluster, jobId: null, jobName: i % 5 === 0 ? 'billing' : 'orders',
    taskManager: 'tm-1', errorType: null, errorMessage: null, stackTrace: null, truncated: false, origin: 'test', ...(marker ? { marker: { dropped: 2, from: ts, to: ts + 1 } } : {}),
  })
  // Templates whose wildcards and examples depend on the order lines arrive in.
  const text = (i: number): string =>
    [`Connection to node ${i % 7} (kafka-${i % 3}.example.com:9092) failed`, `task ${['A', 'B', 'C'][i % 3]} of stage s${i % 4} started`, `processed ${i} rows for key k${i % 11}`, `user u${i % 5} logged in from 10.0.0.${i % 9}`][i % 4]!
  const levels: LogLevel[] = ['INFO', 'WARN', 'ERROR', 'INFO', 'DEBUG']
  let ts = T0
  for (let i = 0; i < 6000; i++) {
    // Uneven: quiet stretches, a burst of 700 lines on one millisecond (ties ordered by id), dense markers near
    // the newest end (they are counted by the store but are not lines), another cluster interleaved.
    ts += i < 1500 ? 40 : i >= 3000 && i < 3700 ? 0 : i % 10 === 0 ? 5 : 1
    const marker = i % 97 === 13 || (i >= 5800 && i % 2 === 0)
    recs.push(rec(i, ts, levels[i % 5]!, text(i), i % 6 === 5 ? 'c2' : 'c1', marker))
  }
  const END = ts + 1
  // Cluster c3: 500 old lines, then 500 in the last tenth of [T0, T0 + 100 s): spread evenly, the newest 500
  // would start near the middle, where nothing is; a cap of 500 is reached with the last line of what is read.
  for (let i = 0; i < 500; i++) recs.push(rec(10_000 + i, T0 + i, 'WARN', text(i), 'c3'), rec(20_000 + i, T0 + 90_000 + 2 * i, 'ERROR', text(i + 1), 'c3'))

  const oracle = (p: PatternParams): PatternResult => {
    const max = p.maxLines ?? 100_000
    const levelSet = p.level ? new Set(p.level.split(',')) : undefined
    const docs = recs
      .filter((r) => (p.cluster === undefined || r.cluster === p.cluster) && (p.job === undefined || r.jobName === p.job) && (!levelSet || levelSet.has(r.level ?? '')))
      .filter((r) => (p.from === undefined || r.timestamp >= p.from) && (p.to === undefined || r.timestamp < p.to))
      .sort((a, b) => b.timestamp - a.timestamp || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    const m = new TemplateMiner()
    let lines = 0
    let truncated = false
    for (const r of docs) {
      if (lines >= max) {
        truncated = true
        break
      }
      if (r.marker) continue
      m.add(r.message, r.timestamp, r.level)
      lines++
    }
    return { patterns: m.patterns(), lines, truncated }
  }

  describe(`Log patterns: ${name}`, () => {
    let store: Store
    before(async () => {
      store = await make()
      await store.init([logsCollection])
      for (let i = 0; i < recs.length; i += 2000) {
        const w = await store.write('logs', recs.slice(i, i + 2000).map(toDocument), 'create')
        assert.equal(w.failed.length, 0, w.failed[0]?.reason)
      }
      await store.refresh('logs')
    })
    after(async () => {
      await store.close()
    })

    const c1 = recs.filter((r) => r.cluster === 'c1' && !r.marker).sort((a, b) => b.timestamp - a.timestamp)
    const c1Lines = c1.length
    const burstCap = c1.findIndex((r) => r.timestamp === recs[3000]!.timestamp) + 250
    const quietCap = c1.findIndex((r) => r.timestamp <= recs[1499]!.timestamp) + 100
    const cases: [string, PatternParams][] = [
      ['everything, nothing left out', { cluster: 'c1', from: T0, to: END }],
      ['a cap exactly the number of lines', { cluster: 'c1', from: T0, to: END, maxLines: c1Lines }],
      ['one line fewer than there are', { cluster: 'c1', from: T0, to: END, maxLines: c1Lines - 1 }],
      ['a cap inside the one-millisecond burst', { cluster: 'c1', from: T0, to: END, maxLines: burstCap }],
      ['a cap inside the quiet stretch', { cluster: 'c1', from: T0, to: END, maxLines: quietCap }],
      ['a cap smaller than the markers at the newest end', { cluster: 'c1', from: T0, to: END, maxLines: 60 }],
      ['a cap of one line', { cluster: 'c1', from: T0, to: END, maxLines: 1 }],
      ['every cluster', { from: T0, to: END, maxLines: 3333 }],
      ['by job and level', { cluster: 'c1', job: 'orders', level: 'WARN,ERROR', from: T0, to: END, maxLines: 900 }],
      ['a window inside the data', { cluster: 'c1', from: T0 + 30_000, to: T0 + 61_000, maxLines: 1000 }],
      ['the cap reached with the last line read, older lines before', { cluster: 'c3', from: T0, to: T0 + 100_000, maxLines: 500 }],
      ['a window with no lines', { cluster: 'c1', from: END + 1, to: END + 100_000 }],
    ]
    const services: [string, (s: Store) => LogPatterns][] = [
      ['defaults', (s) => new LogPatterns(s)],
      ['small chunks, three at once', (s) => new LogPatterns(s, { chunkLines: 150, concurrency: 3 })],
      ['small chunks, one at a time', (s) => new LogPatterns(s, { chunkLines: 400, concurrency: 1 })],
    ]
    for (const [how, make] of services) {
      it(`answers as one newest-first pass would (${how})`, async () => {
        const svc = make(store)
        for (const [what, p] of cases) {
          const want = oracle(p)
          const got = await svc.patterns(p)
          assert.deepEqual([got.lines, got.truncated], [want.lines, want.truncated], `${what}: lines and truncated`)
          assert.deepEqual(got.patterns, want.patterns, `${what}: templates, counts, first/last seen, examples, levels`)
        }
      })
    }

    it('checks the cases are the ones meant (truncated or not, lines in the burst)', () => {
      assert.equal(oracle(cases[0]![1]).truncated, false)
      assert.equal(oracle(cases[1]![1]).truncated, false)
      assert.equal(oracle(cases[2]![1]).truncated, true)
      // The inner window has more lines than its cap, and older ones outside it that must not count.
      assert.deepEqual([oracle(cases[9]![1]).lines, oracle(cases[9]![1]).truncated], [1000, true])
      assert.deepEqual([oracle(cases[10]![1]).lines, oracle(cases[10]![1]).truncated], [500, true])
      assert.equal(oracle(cases[11]![1]).lines, 0)
      // The burst lines all share one millisecond: a cap inside it cuts between equal timestamps.
      assert.equal(c1[burstCap - 1]!.timestamp, c1[burstCap]!.timestamp)
      assert.equal(quietCap < c1Lines && c1[quietCap]!.timestamp < recs[1499]!.timestamp, true, 'the quiet cap falls in the quiet stretch')
      // The newest end is mostly markers: a small cap needs lines from before them.
      assert.equal(recs.filter((r) => r.cluster === 'c1' && r.timestamp > c1[59]!.timestamp && r.marker).length > 60, true, 'markers outnumber the cap at the newest end')
    })
  })
}
