import assert from 'node:assert/strict'
import { it } from 'node:test'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import { rendezvousOwner } from '../../../src/ha/rendezvous.js'
import { haContract } from '../../contract/ha-contract.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { StoreCoordinator, haCollections } from '../../../src/ha/store-coordinator.js'

haContract('embedded (SQLite, one process)', async () => SqliteStore.memory())

it('rendezvous hashing moves only the joiner\'s share when an instance joins', () => {
  const keys = Array.from({ length: 3000 }, (_, i) => `cluster-${i}`)
  const before = new Map(keys.map((k) => [k, rendezvousOwner(k, ['a', 'b', 'c'])]))
  const after = new Map(keys.map((k) => [k, rendezvousOwner(k, ['a', 'b', 'c', 'd'])]))
  const moved = keys.filter((k) => before.get(k) !== after.get(k))
  assert.ok(moved.every((k) => after.get(k) === 'd'), 'keys only move to the joiner')
  assert.ok(moved.length > 600 && moved.length < 900, `${moved.length} of 3000 moved (expected about a quarter)`)
  const counts = ['a', 'b', 'c'].map((m) => keys.filter((k) => before.get(k) === m).length)
  assert.ok(counts.every((n) => n > 850 && n < 1150), `balance ${counts.join('/')}`)
  assert.equal(rendezvousOwner('x', []), undefined)
})

it('a lease is refused to others until it expires or is released, and every new holder gets a new epoch', async () => {
  const store = SqliteStore.memory()
  await store.init(haCollections)
  const clock = new FakeClock()
  const a = new StoreCoordinator({ store, clock, instanceId: 'a', ttlMs: 15_000 })
  const b = new StoreCoordinator({ store, clock, instanceId: 'b', ttlMs: 15_000 })
  const g1 = await a.acquire('cluster:x')
  assert.equal(g1?.epoch, 1)
  assert.equal(await b.acquire('cluster:x'), null)
  await clock.advance(10_000)
  const g2 = await a.acquire('cluster:x', g1!)
  assert.equal(g2?.epoch, 1, 'a renewal keeps the term')
  assert.equal(g2!.validUntil, clock.now() + 12_000, 'valid until the TTL less the margin')
  await clock.advance(14_000)
  assert.equal(await b.acquire('cluster:x'), null, 'renewed 14 s ago: not expired')
  await clock.advance(1_001)
  const g3 = await b.acquire('cluster:x')
  assert.deepEqual([g3?.epoch, g3?.takenFrom], [2, { holder: 'a', expired: true }])
  assert.equal(await a.acquire('cluster:x', g2!), null, 'the old holder cannot renew a lease taken from it')
  await b.release(g3!)
  const g4 = await a.acquire('cluster:x')
  assert.deepEqual([g4?.epoch, g4?.takenFrom], [3, { holder: 'b', expired: false }])
  await store.close()
})
