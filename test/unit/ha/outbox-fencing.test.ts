/**
 * Store-side fencing of outbox messages: a holder whose own lease check raced its takeover (paused between
 * the check and the write) cannot write a message the new holder wrote under a newer epoch of the lease.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MESSAGES } from '../../../alerting/engine/collections.js'
import { Outbox, type OutboxMessage } from '../../../alerting/notify/outbox.js'
import type { Fence } from '../../../src/ha/fence.js'
import { StoreCoordinator, haCollections } from '../../../src/ha/store-coordinator.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { tempStore } from '../alerting/helpers.js'

function message(id: string, at: number): OutboxMessage {
  return { id, channel: 'lark', state: 'pending', itemIds: [], payload: { text: 'job-1 failed' }, detectedAt: at, createdAt: at, attempts: 0, claimedBy: null, sentAt: null, lastError: null, notBefore: null }
}

test('a paused old channel holder cannot claim or requeue a message after the takeover: its late write is refused and counted', async () => {
  const clock = new FakeClock()
  const store = await tempStore()
  await store.init([...haCollections])
  const a = new StoreCoordinator({ store, clock, instanceId: 'a', ttlMs: 15_000 })
  const b = new StoreCoordinator({ store, clock, instanceId: 'b', ttlMs: 15_000 })
  const grantA = (await a.acquire('channel:lark'))!
  // a's check raced: it still believes it holds the lease when it wakes up.
  const fenceA: Fence = { key: grantA.key, epoch: grantA.epoch, held: () => true }
  const outbox = new Outbox(store)
  await outbox.addMessages([message('m1', clock.now())])
  const readByA = (await outbox.getMessage('m1'))!
  // a is paused here; its lease expires and b takes the channel over with a newer epoch.
  await clock.advance(16_000)
  const grantB = (await b.acquire('channel:lark'))!
  assert.equal(grantB.epoch, grantA.epoch + 1)
  const fenceB: Fence = { key: grantB.key, epoch: grantB.epoch, held: () => true }
  const readByB = (await outbox.getMessage('m1'))!
  const claimedByB = (await outbox.casMessage({ ...readByB.message, state: 'sending', claimedBy: 'b' }, readByB.version, fenceB))!
  assert.deepEqual(claimedByB.message.fence, { key: 'channel:lark', epoch: grantB.epoch }, 'the claim carries the epoch it was made under')
  // a wakes up: its claim on what it read is refused by the compare-and-set...
  assert.equal(await outbox.casMessage({ ...readByA.message, state: 'sending', claimedBy: 'a' }, readByA.version, fenceA), undefined)
  assert.equal(outbox.fencedWrites, 0, 'a stale version is an ordinary compare-and-set miss')
  // ...and after reading again, the stamp refuses it: the message was written under a newer epoch of the lease.
  const again = (await outbox.getMessage('m1'))!
  assert.equal(await outbox.casMessage({ ...again.message, state: 'pending', claimedBy: null }, again.version, fenceA), undefined)
  assert.equal(outbox.fencedWrites, 1)
  const stored = await store.get(MESSAGES, 'm1')
  assert.equal(stored?.body['state'], 'sending')
  assert.equal(stored?.body['claimedBy'], 'b')
  // The new holder goes on writing under its own epoch.
  assert.ok(await outbox.casMessage({ ...again.message, state: 'sent', sentAt: clock.now() }, again.version, fenceB))
  await store.close()
})
