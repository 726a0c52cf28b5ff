/**
 * How soon a dead instance's clusters are taken over when the survivors run on their own timers: right after
 * the dead member's TTL, not up to a heartbeat later (the bench's "owned again within 20 s" has no slack for it).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { createLogger } from '../../../src/core/logger.js'
import { HaOwnership } from '../../../src/ha/ha-ownership.js'
import { StoreCoordinator, haCollections } from '../../../src/ha/store-coordinator.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { killable } from '../alerting/helpers.js'

const HEARTBEAT = 3000
const TTL = 15_000
const CLUSTERS = Array.from({ length: 20 }, (_, i) => `c${i}`)

test('a dead instance\'s clusters are taken over just after its TTL, whatever the survivor\'s heartbeat phase', async () => {
  const store = SqliteStore.memory()
  await store.init(haCollections)
  const clock = new FakeClock()
  const node = (id: string) => {
    const own = killable(clock)
    const owned = new Set<string>()
    const ha = new HaOwnership({
      coordinator: new StoreCoordinator({ store, clock: own, instanceId: id, ttlMs: TTL }),
      self: { id, address: `http://${id}`, version: 'test', startedAt: clock.now() },
      clock: own,
      logger: createLogger({ level: 'silent' }),
      registry: new Registry(),
      heartbeatMs: HEARTBEAT,
      memberTtlMs: TTL,
    })
    ha.share('cluster', CLUSTERS, { onAcquire: (c) => void owned.add(c), onRelease: (c) => void owned.delete(c) })
    return { ha, owned, kill: own.kill }
  }
  const step = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 50) await clock.advance(50)
  }
  const a = node('a')
  await a.ha.start()
  // b starts 2.9 s after a, so its heartbeats are out of phase with a's: without looking at a's expiry, b notices a's death at its own next round (650 ms late here).
  await step(2900)
  const b = node('b')
  await b.ha.start()
  await step(4 * HEARTBEAT)
  assert.equal(a.owned.size + b.owned.size, CLUSTERS.length)
  assert.ok(a.owned.size > 0 && b.owned.size > 0, 'both hold a share')
  const aHad = [...a.owned]
  // a is SIGKILLed right after a heartbeat round: no more rounds, no release.
  a.kill()
  const lastHeartbeat = (await new StoreCoordinator({ store, clock, instanceId: 'reader', ttlMs: TTL }).members()).find((m) => m.id === 'a')!.lastHeartbeat
  let takenAt: number | null = null
  for (let t = 0; t < TTL + 2 * HEARTBEAT && takenAt === null; t += 50) {
    await clock.advance(50)
    if (aHad.every((c) => b.owned.has(c))) takenAt = clock.now()
  }
  assert.ok(takenAt !== null, 'taken over')
  const sinceHeartbeat = takenAt - lastHeartbeat
  assert.ok(sinceHeartbeat >= TTL, `not before the TTL (${sinceHeartbeat} ms)`)
  assert.ok(sinceHeartbeat <= TTL + 300, `just after the TTL, not at the survivor's next heartbeat (${sinceHeartbeat} ms after a's last heartbeat)`)
  await b.ha.stop()
  await store.close()
})
