import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { FAILURE_CAUSES, FailureCounts, failureCausesCollection } from '../../../src/causes/failure-counts.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import type { Store } from '../../../src/storage/store.js'
import { quietLogger } from '../alerting/helpers.js'

async function store(): Promise<SqliteStore> {
  const s = SqliteStore.open(mkdtempSync(join(tmpdir(), 'fw-failure-counts-')))
  await s.init([failureCausesCollection])
  return s
}
const at = Date.UTC(2026, 0, 10)
const rec = (id: string, over: Partial<{ jobName: string; class: string; at: number }> = {}) => ({ id, cluster: 'c1', jobName: 'orders', jobId: null, class: 'user-code', at, ...over })

test('counts the job’s failures of one class in the 7 days up to this one, written or not yet written', async () => {
  const s = await store()
  const counts = new FailureCounts({ store: s, logger: quietLogger })
  assert.equal(await counts.countAndRecord(rec('i1', { at: at - 8 * 86_400_000 })), 1)
  await counts.idle()
  assert.equal(await counts.countAndRecord(rec('i2', { at: at - 1000 })), 1, 'the one 8 days before is out of the window')
  assert.equal(await counts.countAndRecord(rec('i3')), 2, 'the one a second before counts, written or not')
  assert.equal(await counts.countAndRecord(rec('i4', { class: 'heap-oom' })), 1, 'another class')
  assert.equal(await counts.countAndRecord(rec('i5', { jobName: 'payments' })), 1, 'another job')
  await counts.idle()
  assert.equal((await s.query(FAILURE_CAUSES, { where: { jobName: 'orders' }, limit: 10, exactTotal: true })).total, 4)
  await s.close()
})

test('a storm of failures is a few store writes, not one per failure, and once written every record counts', async () => {
  const s = await store()
  let writes = 0
  const counted: Store = new Proxy(s, {
    get(target, prop, receiver) {
      if (prop === 'write') return (...args: Parameters<Store['write']>) => (writes++, target.write(...args))
      const v: unknown = Reflect.get(target, prop, receiver)
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
  const counts = new FailureCounts({ store: counted, logger: quietLogger })
  const got = await Promise.all(Array.from({ length: 50 }, (_, i) => counts.countAndRecord(rec(`s${i}`, { jobName: `job-${i % 5}`, at: at + i }))))
  await counts.idle()
  assert.ok(writes <= 3, `${writes} writes`)
  assert.equal((await s.query(FAILURE_CAUSES, { limit: 100, exactTotal: true })).total, 50)
  // Each job failed 10 times; failures counted at the same moment may not see each other yet (as with a store's refresh).
  assert.ok(got.every((n) => n >= 1 && n <= 10))
  assert.equal(await counts.countAndRecord(rec('after', { jobName: 'job-0', at: at + 100 })), 11)
  await s.close()
})

test('a failed write is logged, not thrown: the count is still answered', async () => {
  const s = await store()
  const broken: Store = new Proxy(s, {
    get(target, prop, receiver) {
      if (prop === 'write') return async () => Promise.reject(new Error('disk full'))
      const v: unknown = Reflect.get(target, prop, receiver)
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
  const counts = new FailureCounts({ store: broken, logger: quietLogger })
  assert.equal(await counts.countAndRecord(rec('x1')), 1)
  await counts.idle()
  assert.equal(await counts.countAndRecord(rec('x2')), 1, 'the lost record is not counted from memory either')
  await s.close()
})
