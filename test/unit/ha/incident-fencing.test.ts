/**
 * Store-side fencing of incidents: a paused old owner of a cluster whose batch of incident writes reaches
 * the store after the takeover cannot overwrite what the new owner wrote under a newer epoch of the lease.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ALERTS, alertingCollections } from '../../../alerting/engine/collections.js'
import { IncidentBook } from '../../../alerting/engine/incident-book.js'
import type { Fence } from '../../../src/ha/fence.js'
import { StoreCoordinator, haCollections } from '../../../src/ha/store-coordinator.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { alert, quietLogger, tempStore } from '../alerting/helpers.js'

test('a paused old owner cannot overwrite the new owner\'s incident: its late write is refused by the store and counted', async () => {
  const clock = new FakeClock()
  const store = await tempStore()
  await store.init([...haCollections, ...alertingCollections])
  const a = new StoreCoordinator({ store, clock, instanceId: 'a', ttlMs: 15_000 })
  const b = new StoreCoordinator({ store, clock, instanceId: 'b', ttlMs: 15_000 })
  const grantA = (await a.acquire('cluster:prod'))!
  // a's own check raced the takeover: it still believes it holds the lease when its batch is written.
  let fenceA: Fence | undefined = { key: grantA.key, epoch: grantA.epoch, held: () => true }
  const fencedA: number[] = []
  const bookA = new IncidentBook(store, quietLogger, undefined, { fenceOf: () => fenceA, onFenced: (n) => fencedA.push(n) })
  const incident = alert('job-1', { id: 'inc-1', cluster: 'prod', state: 'firing' })

  await clock.advance(16_000)
  const grantB = (await b.acquire('cluster:prod'))!
  assert.equal(grantB.epoch, grantA.epoch + 1)
  const bookB = new IncidentBook(store, quietLogger, undefined, { fenceOf: () => ({ key: grantB.key, epoch: grantB.epoch, held: () => true }), onFenced: () => assert.fail('the owner is never fenced') })
  bookB.save({ ...incident, state: 'resolved', endsAt: clock.now() })
  await bookB.flush()

  bookA.save({ ...incident, state: 'firing', summary: 'stale view of the old owner' })
  await bookA.flush()
  assert.deepEqual(fencedA, [1], 'the store refused the old epoch')
  const stored = await store.get(ALERTS, 'inc-1')
  assert.equal(stored?.body['state'], 'resolved')
  assert.deepEqual(stored?.body['fence'], { key: 'cluster:prod', epoch: grantB.epoch })
  assert.equal((await bookB.get('inc-1'))?.state, 'resolved')
  assert.equal('fence' in ((await bookB.get('inc-1')) ?? {}), false, 'readers see the incident, not the stamp')

  // Once a knows it lost the lease, it does not even send the write.
  fenceA = { ...fenceA, held: () => false }
  bookA.save({ ...incident, summary: 'after it noticed' })
  await bookA.flush()
  assert.deepEqual(fencedA, [1, 1])
  assert.equal((await store.get(ALERTS, 'inc-1'))?.body['state'], 'resolved')
  await store.close()
})
