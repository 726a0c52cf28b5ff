import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { maskLine } from '../../../src/logs/patterns/mask.js'
import { TemplateMiner } from '../../../src/logs/patterns/miner.js'
import { LogPatterns } from '../../../src/logs/patterns/patterns-service.js'
import { logsCollection, toDocument } from '../../../src/logs/document.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import type { LogRecord } from '../../../src/model/log-record.js'
import { patternsContract } from '../../contract/patterns-contract.js'

test('masking: numbers, Flink ids, UUIDs, IPs, hosts, paths and URLs become placeholders', () => {
  assert.equal(maskLine('Checkpoint 17 of job 3f2a0c1d2e3f4a5b6c7d8e9f00112233 expired before completing.'), 'Checkpoint <num> of job <id> expired before completing.')
  assert.equal(maskLine('Connection to node 1 (kafka-1.example.com:9092) could not be established'), 'Connection to node <num> (<host>) could not be established')
  assert.equal(maskLine('peer 10.0.0.12:6122 closed'), 'peer <ip> closed')
  assert.equal(maskLine('trace 123e4567-e89b-12d3-a456-426614174000 done'), 'trace <uuid> done')
  assert.equal(maskLine('Failed to write /data/flink/checkpoints/abc/chk-12/_metadata in 1234ms'), 'Failed to write <path> in <num>')
  assert.equal(maskLine('uploading to s3://bucket/a/b failed'), 'uploading to <url> failed')
  assert.equal(maskLine('container_1700000000000_0001_01_000002 released'), '<id> released')
  assert.equal(maskLine('Committer (1/1)#2 (2e2fde2a02375ae9fe033930151fc4b8_5b61d6019ab04da71a4e62533c1a8c40_0_2) switched'), 'Committer (<num>/<num>)#<num> (<id>) switched')
})

test('miner: lines that differ in variable parts are one template, with count, first/last seen and the newest example', () => {
  const m = new TemplateMiner()
  m.add('Checkpoint 17 of job 3f2a0c1d2e3f4a5b6c7d8e9f00112233 expired before completing.', 100, 'WARN')
  m.add('Checkpoint 18 of job 9c01aa1d2e3f4a5b6c7d8e9f00112233 expired before completing.', 300, 'WARN')
  m.add('processed key=k1 count=10 token=x', 150, 'INFO')
  m.add('processed key=k2 count=11 token=y', 200, 'INFO')
  m.add('processed key=k3 count=12 token=z', 250, 'ERROR')
  m.add('Task failed\nwith a stack trace that is not templated', 260, 'ERROR')
  const p = m.patterns()
  assert.equal(p.length, 3)
  assert.deepEqual(p[0], { id: p[0]!.id, template: 'processed <*> count=<num> <*>', count: 3, firstSeen: 150, lastSeen: 250, example: 'processed key=k3 count=12 token=z', level: 'ERROR' })
  const cp = p.find((x) => x.template.startsWith('Checkpoint'))!
  assert.equal(cp.count, 2)
  assert.equal(cp.firstSeen, 100)
  assert.equal(cp.lastSeen, 300)
  assert.match(cp.example, /Checkpoint 18/)
  assert.ok(p.some((x) => x.template === 'Task failed'))
})

test('patterns service reads a window through the Store seam (embedded store), by job and level', async () => {
  const store = SqliteStore.open(mkdtempSync(join(tmpdir(), 'fw-patterns-')))
  await store.init([logsCollection])
  const rec = (i: number, level: LogRecord['level'], message: string, jobName = 'orders'): LogRecord => ({ id: `l${i}`, timestamp: 1000 + i, level, message, logger: null, thread: null, cluster: 'c1', jobId: null, jobName, taskManager: 'tm-1', errorType: null, errorMessage: null, stackTrace: null, truncated: false, origin: 'test' })
  const recs = [rec(1, 'WARN', 'Connection to node 1 failed'), rec(2, 'WARN', 'Connection to node 2 failed'), rec(3, 'INFO', 'processed 1'), rec(4, 'ERROR', 'boom 7'), rec(5, 'WARN', 'Connection to node 3 failed', 'other')]
  await store.write('logs', recs.map(toDocument))
  const svc = new LogPatterns(store)
  const r = await svc.patterns({ cluster: 'c1', job: 'orders', level: 'WARN,ERROR', from: 0, to: 10_000 })
  assert.equal(r.lines, 3)
  assert.deepEqual(r.patterns.map((p) => [p.template, p.count]), [['Connection to node <num> failed', 2], ['boom <num>', 1]])
  const capped = await svc.patterns({ cluster: 'c1', from: 0, to: 10_000, maxLines: 2 })
  assert.equal(capped.lines, 2)
  assert.equal(capped.truncated, true)
  assert.deepEqual(await svc.patterns({ from: 5, to: 5 }), { patterns: [], lines: 0, truncated: false }, 'an empty window has no lines')
  await store.close()
})

test('patterns service pages past one store page: markers are skipped, the cap counts lines, the order is newest first', async () => {
  const store = SqliteStore.open(mkdtempSync(join(tmpdir(), 'fw-patterns-')))
  await store.init([logsCollection])
  const recs: LogRecord[] = []
  for (let i = 0; i < 12_500; i++) {
    const marker = i % 1000 === 7 ? { dropped: 3, from: i, to: i + 1 } : undefined
    recs.push({ id: `p${String(i).padStart(6, '0')}`, timestamp: 1000 + i, level: i % 2 ? 'WARN' : 'INFO', message: i % 3 ? `Connection to node ${i} failed` : `processed ${i} rows`, logger: null, thread: null, cluster: 'c1', jobId: null, jobName: 'orders', taskManager: 'tm-1', errorType: null, errorMessage: null, stackTrace: null, truncated: false, origin: 'test', ...(marker ? { marker } : {}) })
  }
  await store.write('logs', recs.map(toDocument))
  const svc = new LogPatterns(store)
  const lines = recs.filter((r) => !r.marker).reverse()
  const expect = (n: number) => {
    const m = new TemplateMiner()
    for (const r of lines.slice(0, n)) m.add(r.message, r.timestamp, r.level)
    return m.patterns()
  }
  const all = await svc.patterns({ cluster: 'c1', from: 0, to: 1_000_000 })
  assert.equal(all.lines, lines.length)
  assert.equal(all.truncated, false)
  assert.deepEqual(all.patterns, expect(lines.length))
  // A cap past the first page: exactly that many lines, the newest ones, and said to be truncated.
  const capped = await svc.patterns({ cluster: 'c1', from: 0, to: 1_000_000, maxLines: 10_003 })
  assert.equal(capped.lines, 10_003)
  assert.equal(capped.truncated, true)
  assert.deepEqual(capped.patterns, expect(10_003))
  await store.close()
})

test('patterns service reads a window slice by slice: same lines and order as one pass, truncated only when older lines exist', async () => {
  const store = SqliteStore.open(mkdtempSync(join(tmpdir(), 'fw-patterns-')))
  await store.init([logsCollection])
  // 1,600 lines spread evenly over [0, 16,000): 100 in each of the 16 slices.
  const recs: LogRecord[] = []
  for (let i = 0; i < 1600; i++) recs.push({ id: `s${String(i).padStart(5, '0')}`, timestamp: i * 10, level: 'WARN', message: i % 2 ? `Connection to node ${i} failed` : `boom ${i} at x`, logger: null, thread: null, cluster: 'c1', jobId: null, jobName: 'orders', taskManager: 'tm-1', errorType: null, errorMessage: null, stackTrace: null, truncated: false, origin: 'test' })
  await store.write('logs', recs.map(toDocument))
  const svc = new LogPatterns(store)
  const newest = [...recs].reverse()
  const expect = (n: number) => {
    const m = new TemplateMiner()
    for (const r of newest.slice(0, n)) m.add(r.message, r.timestamp, r.level)
    return m.patterns()
  }
  const all = await svc.patterns({ cluster: 'c1', from: 0, to: 16_000 })
  assert.deepEqual([all.lines, all.truncated], [1600, false])
  assert.deepEqual(all.patterns, expect(1600))
  // A cap that ends exactly at a slice boundary: older slices still hold lines, so it is truncated.
  const atBoundary = await svc.patterns({ cluster: 'c1', from: 0, to: 16_000, maxLines: 300 })
  assert.deepEqual([atBoundary.lines, atBoundary.truncated], [300, true])
  assert.deepEqual(atBoundary.patterns, expect(300))
  // Every line read, cap equal to the count: nothing older, not truncated.
  const exact = await svc.patterns({ cluster: 'c1', from: 0, to: 16_000, maxLines: 1600 })
  assert.deepEqual([exact.lines, exact.truncated], [1600, false])
  await store.close()
})

// The same contract runs on Elasticsearch in test/integration/storage/patterns-es.test.ts.
patternsContract('embedded (SQLite)', async () => SqliteStore.open(mkdtempSync(join(tmpdir(), 'fw-patterns-contract-'))))
