import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { CollectionSpec, Store } from '../../src/storage/store.js'

/**
 * One behavioural contract for every Store implementation; the embedded and
 * Elasticsearch stores both run it (test/unit/storage, test/integration/storage).
 */
export function storeContract(name: string, make: () => Promise<Store>): void {
  const suffix = Math.random().toString(36).slice(2, 8)
  const docs: CollectionSpec = { name: `docs_${suffix}`, keywords: ['kind', 'owner.name', 'flag'], numbers: ['size'], text: ['message'] }
  const logs: CollectionSpec = { name: `logs_${suffix}`, keywords: ['job'], text: ['message'], daily: true }
  const T0 = Date.UTC(2026, 10, 20, 12, 0, 0)

  describe(`Store contract: ${name}`, () => {
    let store: Store
    before(async () => {
      store = await make()
      await store.init([docs, logs])
    })
    after(async () => {
      await store.close()
    })

    it('reports healthy', async () => {
      const h = await store.health()
      assert.equal(h.ok, true, h.detail)
    })

    it('writes idempotently by id: create keeps the first, upsert the last', async () => {
      const c = docs.name
      let r = await store.write(c, [{ id: 'a', timestamp: T0, body: { kind: 'x', message: 'first version' } }], 'create')
      assert.deepEqual([r.written, r.duplicates], [1, 0])
      r = await store.write(c, [{ id: 'a', timestamp: T0, body: { kind: 'x', message: 'second version' } }], 'create')
      assert.deepEqual([r.written, r.duplicates], [0, 1])
      await store.refresh(c)
      assert.equal((await store.get(c, 'a'))?.body['message'], 'first version')
      r = await store.write(c, [{ id: 'a', timestamp: T0 + 1, body: { kind: 'y', message: 'third version' } }], 'upsert')
      assert.equal(r.written, 1)
      await store.refresh(c)
      const got = await store.get(c, 'a')
      assert.equal(got?.body['message'], 'third version')
      assert.equal(got?.timestamp, T0 + 1)
      const q = await store.query(c, { where: { kind: 'x' } })
      assert.equal(q.docs.length, 0, 'the overwritten keyword no longer matches')
      assert.equal((await store.query(c, { text: { must: [{ kind: 'term', value: 'first' }], mustNot: [] } })).docs.length, 0, 'old text is unindexed')
      assert.equal(await store.get(c, 'missing'), undefined)
    })

    it('queries by fields, nested paths, time range and numbers, newest first', async () => {
      const c = docs.name
      await store.write(c, [
        { id: 'q1', timestamp: T0 + 1000, body: { kind: 'job', owner: { name: 'ann' }, size: 5, flag: true, message: 'alpha beta' } },
        { id: 'q2', timestamp: T0 + 2000, body: { kind: 'job', owner: { name: 'bob' }, size: 50, flag: false, message: 'beta gamma' } },
        { id: 'q3', timestamp: T0 + 3000, body: { kind: 'job', 'owner.name': 'ann', size: 500, message: 'gamma delta' } },
        { id: 'q4', timestamp: T0 + 4000, body: { kind: 'other', owner: { name: 'ann' }, message: 'alpha' } },
      ])
      await store.refresh(c)
      const ids = async (q: Parameters<Store['query']>[1]) => (await store.query(c, q)).docs.map((d) => d.id)
      assert.deepEqual(await ids({ where: { kind: 'job' } }), ['q3', 'q2', 'q1'])
      assert.deepEqual(await ids({ where: { kind: 'job' }, order: 'asc' }), ['q1', 'q2', 'q3'])
      assert.deepEqual(await ids({ where: { 'owner.name': 'ann', kind: 'job' } }), ['q3', 'q1'], 'dotted keys and nested objects are one field')
      assert.deepEqual(await ids({ where: { kind: ['job', 'other'] }, whereNot: { 'owner.name': 'bob' } }), ['q4', 'q3', 'q1'])
      assert.deepEqual(await ids({ where: { kind: 'job' }, from: T0 + 2000, to: T0 + 3000 }), ['q2'], 'from inclusive, to exclusive')
      assert.deepEqual(await ids({ where: { kind: 'job' }, range: { size: { gte: 50 } } }), ['q3', 'q2'])
      assert.deepEqual(await ids({ where: { flag: true } }), ['q1'])
      const counted = await store.query(c, { where: { kind: 'job' }, limit: 1 })
      assert.equal(counted.total, 3)
      assert.equal(counted.docs.length, 1)
    })

    it('searches full text: all words, phrases, exclusions, with highlights', async () => {
      const c = logs.name
      await store.write(c, [
        { id: 'l1', timestamp: T0 + 1, body: { job: 'j1', message: 'Checkpoint 42 expired before completing' } },
        { id: 'l2', timestamp: T0 + 2, body: { job: 'j1', message: 'java.lang.NullPointerException at Orders.map' } },
        { id: 'l3', timestamp: T0 + 3, body: { job: 'j2', message: 'checkpoint completed in 120 ms' } },
        { id: 'l4', timestamp: T0 + 4, body: { job: 'j2', message: 'completing the expired checkpoint later' } },
      ], 'create')
      await store.refresh(c)
      const ids = async (must: [string, string][], mustNot: [string, string][] = [], extra = {}) =>
        (
          await store.query(c, {
            text: {
              must: must.map(([kind, value]) => ({ kind: kind as 'term' | 'phrase', value })),
              mustNot: mustNot.map(([kind, value]) => ({ kind: kind as 'term' | 'phrase', value })),
            },
            ...extra,
          })
        ).docs.map((d) => d.id)
      assert.deepEqual(await ids([['term', 'checkpoint']]), ['l4', 'l3', 'l1'], 'case-insensitive')
      assert.deepEqual(await ids([['term', 'checkpoint'], ['term', 'expired']]), ['l4', 'l1'])
      assert.deepEqual(await ids([['phrase', 'expired before completing']]), ['l1'])
      assert.deepEqual(await ids([['term', 'checkpoint']], [['term', 'expired']]), ['l3'])
      assert.deepEqual(await ids([], [['term', 'checkpoint']], { where: { job: ['j1', 'j2'] } }), ['l2'])
      assert.deepEqual(await ids([['term', 'NullPointerException']]), ['l2'])
      assert.deepEqual(await ids([['term', 'checkpoint']], [], { where: { job: 'j2' } }), ['l4', 'l3'])
      const hl = await store.query(c, { text: { must: [{ kind: 'term', value: 'expired' }], mustNot: [] }, highlight: true, where: { job: 'j1' } })
      assert.match(hl.docs[0]?.highlight ?? '', /<em>expired<\/em>/)
    })

    it('pages with a cursor without skipping or repeating while writes continue', async () => {
      const c = logs.name
      const batch = (from: number, n: number, ts: (i: number) => number) =>
        Array.from({ length: n }, (_, i) => ({ id: `p${String(from + i).padStart(4, '0')}`, timestamp: ts(from + i), body: { job: 'pager', message: `line ${from + i}` } }))
      // Equal timestamps in groups of 3 exercise the id tie-breaker.
      await store.write(c, batch(0, 25, (i) => T0 + 10_000 + Math.floor(i / 3)), 'create')
      await store.refresh(c)
      const seen: string[] = []
      let cursor: string | undefined
      let pages = 0
      for (;;) {
        const page = await store.query(c, { where: { job: 'pager' }, limit: 4, ...(cursor ? { cursor } : {}) })
        seen.push(...page.docs.map((d) => d.id))
        if (pages === 1) {
          // Newer lines arrive while the user pages back in time: they must not shift the pages.
          await store.write(c, batch(100, 5, (i) => T0 + 20_000 + i), 'create')
          await store.refresh(c)
        }
        pages++
        if (!page.nextCursor) break
        cursor = page.nextCursor
      }
      const expected = batch(0, 25, () => 0).map((d) => d.id).reverse()
      assert.deepEqual(seen, expected)
    })

    it('fenced writes keep what a newer epoch of the same lease wrote, and replace the rest', async () => {
      const c = docs.name
      const doc = (id: string, message: string, fence?: { key: string; epoch: number }) => ({ id, timestamp: T0, body: { kind: 'incident', message, ...(fence ? { fence } : {}) } })
      let r = await store.write(c, [doc('f-1', 'new owner', { key: 'cluster:a', epoch: 2 }), doc('f-2', 'unstamped')], 'fenced')
      assert.deepEqual([r.written, r.fenced ?? 0], [2, 0], 'absent documents are created')
      r = await store.write(
        c,
        [
          doc('f-1', 'paused old owner', { key: 'cluster:a', epoch: 1 }),
          doc('f-2', 'stamped over unstamped', { key: 'cluster:a', epoch: 1 }),
        ],
        'fenced',
      )
      assert.deepEqual([r.written, r.fenced], [1, 1], 'the older epoch is refused, the unstamped document replaced')
      await store.refresh(c)
      assert.equal((await store.get(c, 'f-1'))?.body['message'], 'new owner')
      assert.equal((await store.get(c, 'f-2'))?.body['message'], 'stamped over unstamped')
      r = await store.write(c, [doc('f-1', 'same epoch again', { key: 'cluster:a', epoch: 2 }), doc('f-2', 'other lease', { key: 'cluster:b', epoch: 0 })], 'fenced')
      assert.deepEqual([r.written, r.fenced ?? 0], [2, 0], 'the same epoch and another lease write')
      await store.refresh(c)
      const f1 = await store.get(c, 'f-1')
      assert.equal(f1?.body['message'], 'same epoch again')
      assert.deepEqual(f1?.body['fence'], { key: 'cluster:a', epoch: 2 })
      assert.equal((await store.query(c, { where: { kind: 'incident' } })).docs.length, 2, 'replaced documents are found by their fields')
    })

    it('compare-and-set admits exactly one writer', async () => {
      const c = docs.name
      const lease = { id: 'lease-1', timestamp: T0, body: { kind: 'lease', owner: { name: 'a' } } }
      const first = await store.compareAndSet(c, lease, null)
      assert.equal(first.ok, true)
      const again = await store.compareAndSet(c, { ...lease, body: { kind: 'lease', owner: { name: 'b' } } }, null)
      assert.equal(again.ok, false, 'create-if-absent fails when present')
      if (!first.ok || again.ok) return
      assert.equal(again.current?.body['kind'], 'lease')
      const v1 = first.doc.version
      const results = await Promise.all(
        ['x', 'y', 'z'].map((n) => store.compareAndSet(c, { ...lease, body: { kind: 'lease', owner: { name: n } } }, v1)),
      )
      assert.equal(results.filter((r) => r.ok).length, 1, 'one of three concurrent writers wins')
      const stale = await store.compareAndSet(c, lease, v1)
      assert.equal(stale.ok, false, 'a stale version is refused')
      await store.refresh(c)
      const now = await store.get(c, 'lease-1')
      const winner = results.find((r) => r.ok)
      assert.ok(winner && winner.ok)
      assert.equal(now?.version, winner.doc.version)
    })

    it('reads many ids in one call, realtime, leaving out those that do not exist', async () => {
      const c = docs.name
      await store.write(c, [
        { id: 'many-1', timestamp: T0, body: { kind: 'many', message: 'one' } },
        { id: 'many-2', timestamp: T0 + 1, body: { kind: 'many', message: 'two' } },
      ])
      // No refresh: a holder reads items another instance wrote a moment ago.
      const got = await store.getMany(c, ['many-2', 'absent', 'many-1'])
      assert.deepEqual(got.map((d) => [d.id, d.body['message']]).sort(), [['many-1', 'one'], ['many-2', 'two']])
      const one = await store.get(c, 'many-1')
      assert.equal(got.find((d) => d.id === 'many-1')?.version, one?.version, 'the version a compare-and-set needs')
      assert.deepEqual(await store.getMany(c, []), [])
      assert.deepEqual(await store.getMany(logs.name, ['nothing-here']), [])
    })

    it('deletes by id and by age', async () => {
      const c = docs.name
      await store.write(c, [
        { id: 'old1', timestamp: T0 - 3 * 86_400_000, body: { kind: 'aged', message: 'old' } },
        { id: 'old2', timestamp: T0 - 2 * 86_400_000, body: { kind: 'aged', message: 'old' } },
        { id: 'new1', timestamp: T0, body: { kind: 'aged', message: 'new' } },
      ])
      await store.refresh(c)
      assert.equal(await store.delete(c, 'new1'), true)
      assert.equal(await store.delete(c, 'new1'), false)
      await store.write(c, [{ id: 'new1', timestamp: T0, body: { kind: 'aged', message: 'new' } }])
      await store.deleteOlderThan(c, T0 - 86_400_000)
      await store.refresh(c)
      const left = await store.query(c, { where: { kind: 'aged' } })
      assert.deepEqual(left.docs.map((d) => d.id), ['new1'])
      // Daily-partitioned collections drop whole days.
      const l = logs.name
      await store.write(l, [{ id: 'day-old', timestamp: T0 - 5 * 86_400_000, body: { job: 'ret', message: 'ancient' } }], 'create')
      await store.refresh(l)
      await store.deleteOlderThan(l, T0 - 86_400_000)
      await store.refresh(l)
      assert.equal((await store.query(l, { where: { job: 'ret' } })).docs.length, 0)
      assert.ok((await store.query(l, { where: { job: 'j1' } })).docs.length > 0, 'recent days survive')
    })

    it('rejects unknown fields and bad cursors with clear errors', async () => {
      await assert.rejects(store.query(docs.name, { where: { nope: 1 } }), /not filterable/)
      await assert.rejects(store.query(docs.name, { cursor: 'garbage' }), /invalid cursor/)
    })
  })
}
