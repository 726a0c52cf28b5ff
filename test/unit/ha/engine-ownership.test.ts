/** Incidents where the cluster is owned: a takeover continues the incident book instead of firing again; a former owner reminds nothing. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EventBus } from '../../../src/core/event-bus.js'
import type { AlertTransition } from '../../../src/model/alert.js'
import type { JobSnapshot } from '../../../src/model/job.js'
import type { Store } from '../../../src/storage/store.js'
import { AlertEngine } from '../../../alerting/engine/engine.js'
import { IncidentBook } from '../../../alerting/engine/incident-book.js'
import { Silences } from '../../../alerting/engine/silences.js'
import { buildRules } from '../../../alerting/rules/load.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { job, quietLogger, ruleConfig, tempStore } from '../alerting/helpers.js'

const H = 3_600_000

async function instance(store: Store, clock: FakeClock, owns: Set<string>) {
  const bus = new EventBus()
  const sent: AlertTransition[] = []
  const silences = new Silences(store)
  await silences.load()
  const book = new IncidentBook(store, quietLogger)
  const rules = buildRules([ruleConfig({ name: 'job-failed', kind: 'job-failed' })])
  const engine = new AlertEngine({
    rules,
    bus,
    clock,
    logger: quietLogger,
    book,
    silences,
    notify: (t) => sent.push(t),
    repeatIntervalMs: 4 * H,
    evaluationIntervalMs: 60_000,
    owns: (c) => owns.has(c),
  })
  await engine.start()
  const fleet = (...jobs: JobSnapshot[]) => bus.publish({ type: 'fleet.updated', cluster: jobs[0]!.cluster, jobs, at: clock.now() })
  return { engine, sent, fleet, book, owns }
}

test('a takeover continues a firing incident (no second FAILED), and only the owner reminds and resolves', async () => {
  const store = await tempStore()
  const clock = new FakeClock()
  const a = await instance(store, clock, new Set(['c1']))
  // b started before the incident existed: its memory knows nothing of it.
  const b = await instance(store, clock, new Set())
  a.fleet(job('c1', 'orders', 'FAILED'))
  await a.book.flush()
  assert.deepEqual(a.sent.map((t) => t.kind), ['firing'])
  // An event for a cluster b does not own changes nothing there.
  b.fleet(job('c1', 'orders', 'FAILED'))
  assert.equal(b.sent.length, 0)
  // a dies or gives the cluster up; b takes it and adopts the book before its first poll.
  a.owns.delete('c1')
  b.owns.add('c1')
  await b.engine.adoptCluster('c1')
  b.fleet(job('c1', 'orders', 'FAILED'))
  assert.equal(b.sent.length, 0, 'the incident continues, it is not fired again')
  // The repeat interval passes: the owner reminds once, the former owner not at all.
  await clock.advance(4 * H + 60_000)
  assert.deepEqual(b.sent.map((t) => t.kind), ['reminder'])
  assert.deepEqual(a.sent.map((t) => t.kind), ['firing'])
  b.fleet(job('c1', 'orders', 'RUNNING', { startTime: clock.now() }))
  a.fleet(job('c1', 'orders', 'RUNNING', { startTime: clock.now() }))
  assert.deepEqual(b.sent.map((t) => t.kind), ['reminder', 'resolved'])
  assert.deepEqual(a.sent.map((t) => t.kind), ['firing'])
  assert.equal(b.sent[1]!.alert.id, a.sent[0]!.alert.id, 'one incident from firing to resolved')
  await a.engine.stop()
  await b.engine.stop()
  await store.close()
})
