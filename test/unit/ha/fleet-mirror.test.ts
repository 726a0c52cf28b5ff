/** Reads from any instance: the owner's poll outcomes reach the other instances' fleet state through the store. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EventBus } from '../../../src/core/event-bus.js'
import { createLogger } from '../../../src/core/logger.js'
import type { ServiceEvent } from '../../../src/model/events.js'
import { FleetState } from '../../../src/fleet/fleet-state.js'
import { FLEET_MIRROR_JOBS_COLLECTION, FleetMirror, fleetMirrorCollections } from '../../../src/ha/fleet-mirror.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { job, snapshot } from '../fleet/snapshots.js'

const logger = createLogger({ level: 'silent' })

function instance(id: string, store: SqliteStore, clock: FakeClock, owned: Set<string>) {
  const bus = new EventBus()
  const events: ServiceEvent[] = []
  bus.subscribe('*', (e) => void events.push(e))
  const state = new FleetState({ clusters: [{ id: 'c1', type: 'flink', downAfter: 2, url: 'http://c1:8081', webUiUrl: null }], bus, clock, logger })
  const mirror = new FleetMirror({
    store,
    clock,
    logger,
    instanceId: id,
    intervalMs: 2000,
    owns: (c) => owned.has(c),
    currentJob: (c, j) => state.job(c, j),
    applySnapshot: (c, s) => state.applySnapshot(c, s),
    applyFailure: (c, e) => state.applyFailure(c, e),
  })
  return { state, mirror, events }
}

test('another instance shows the owner\'s clusters and jobs, publishes their transitions, and ignores what it owns itself', async () => {
  const store = SqliteStore.memory()
  await store.init([...fleetMirrorCollections])
  const clock = new FakeClock()
  const a = instance('a', store, clock, new Set(['c1']))
  const b = instance('b', store, clock, new Set())
  const snap1 = snapshot('c1', [job('c1', 'j1', 'RUNNING')], clock.now())
  a.state.applySnapshot('c1', snap1)
  a.mirror.publish('c1', { snapshot: snap1 })
  await clock.advance(10)
  await b.mirror.pull()
  assert.equal(b.state.cluster('c1')?.status, 'up')
  assert.deepEqual(b.state.jobs().map((j) => [j.jobId, j.state]), [['j1', 'RUNNING']])
  await clock.advance(5000)
  const snap2 = snapshot('c1', [job('c1', 'j1', 'FAILED')], clock.now())
  a.mirror.publish('c1', { snapshot: snap2 })
  await clock.advance(10)
  await b.mirror.pull()
  await b.mirror.pull()
  const transitions = b.events.filter((e) => e.type === 'job.transition')
  assert.deepEqual(transitions.map((e) => (e.type === 'job.transition' ? e.transition.to : '')), ['RUNNING', 'FAILED'], 'the stream on b carries a\'s transitions, once each')
  // The owner's failures too: down after downAfter mirrored failed polls.
  for (let i = 0; i < 2; i++) {
    await clock.advance(5000)
    a.mirror.publish('c1', { error: new Error('connect ECONNREFUSED') })
    await clock.advance(10)
    await b.mirror.pull()
  }
  assert.equal(b.state.cluster('c1')?.status, 'down')
  assert.match(b.state.cluster('c1')?.lastError ?? '', /ECONNREFUSED \(polled by a\)/)
  // The owner never applies its own cluster from the store.
  const before = a.events.length
  await a.mirror.pull()
  assert.equal(a.events.length, before)
  await store.close()
})

test('a poll writes only the jobs whose snapshot changed; the others keep what they showed', async () => {
  const store = SqliteStore.memory()
  await store.init([...fleetMirrorCollections])
  const clock = new FakeClock()
  const a = instance('a', store, clock, new Set(['c1']))
  const b = instance('b', store, clock, new Set())
  const t0 = clock.now()
  const j1 = job('c1', 'j1', 'RUNNING', { restarts: 0 })
  const j2 = job('c1', 'j2', 'RUNNING', { restarts: 0 })
  a.mirror.publish('c1', { snapshot: snapshot('c1', [j1, j2], clock.now()) })
  await clock.advance(10)
  const writtenAt = async (id: string) => ((await store.get(FLEET_MIRROR_JOBS_COLLECTION, `c1/${id}`))?.timestamp ?? NaN) - t0
  assert.equal(await writtenAt('j1'), 0)
  await clock.advance(5000)
  // The poller hands back the same object for a job nothing changed in (j1), a new one for j2.
  const j2b = job('c1', 'j2', 'RUNNING', { restarts: 1 })
  a.mirror.publish('c1', { snapshot: snapshot('c1', [j1, j2b], clock.now()) })
  await clock.advance(10)
  assert.equal(await writtenAt('j1'), 0, 'the unchanged job was not written again')
  assert.equal(await writtenAt('j2'), 5010)
  await b.mirror.pull()
  assert.deepEqual(b.state.jobs().map((j) => [j.jobId, j.restarts]).sort(), [['j1', 0], ['j2', 1]])
  // A job gone from the owner's list is gone from the reader's snapshot too.
  await clock.advance(5000)
  a.mirror.publish('c1', { snapshot: snapshot('c1', [j2b], clock.now()) })
  await clock.advance(10)
  await b.mirror.pull()
  assert.equal(b.state.cluster('c1')?.jobs.total, 1)
  // Taking the cluster over after another owner wrote it: everything is written again.
  a.mirror.forget('c1')
  await clock.advance(5000)
  a.mirror.publish('c1', { snapshot: snapshot('c1', [j2b], clock.now()) })
  await clock.advance(10)
  assert.equal(await writtenAt('j2'), 15030)
  await store.close()
})
