import assert from 'node:assert/strict'
import { it } from 'node:test'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import { rendezvousOwner } from '../../../src/ha/rendezvous.js'
import { haContract } from '../../contract/ha-contract.js'

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
