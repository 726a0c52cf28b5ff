import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventBus } from '../../../src/core/event-bus.js'
import type { AlertTransition } from '../../../src/model/alert.js'
import type { ClusterStatus } from '../../../src/model/cluster.js'
import type { JobSnapshot } from '../../../src/model/job.js'
import { AlertEngine } from '../../../alerting/engine/engine.js'
import { IncidentBook } from '../../../alerting/engine/incident-book.js'
import { Silences } from '../../../alerting/engine/silences.js'
import { buildRules, mergeRules, readRulesFile } from '../../../alerting/rules/load.js'
import type { Rule } from '../../../alerting/rules/rule.js'
import type { Store } from '../../../src/storage/store.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { job, quietLogger, ruleConfig, tempStore } from './helpers.js'

const H = 3_600_000

async function harness(store?: Store, clock = new FakeClock(), rules?: Rule[]) {
  store ??= await tempStore()
  const bus = new EventBus()
  const sent: AlertTransition[] = []
  const silences = new Silences(store)
  await silences.load()
  const book = new IncidentBook(store, quietLogger)
  rules ??= buildRules([
    ruleConfig({ name: 'job-failed', kind: 'job-failed' }),
    ruleConfig({ name: 'kafka-lag', kind: 'kafka-lag', for: '5m', params: { threshold: 100 } }),
    ruleConfig({ name: 'cluster-down', kind: 'cluster-down' }),
    ruleConfig({ name: 'prod-only', kind: 'busy', match: { cluster: 'prod-.*', job: 'orders-.*' } }),
  ])
  const engine = new AlertEngine({ rules, bus, clock, logger: quietLogger, book, silences, notify: (t) => sent.push(t), repeatIntervalMs: 4 * H, evaluationIntervalMs: 5000 })
  await engine.start()
  const fleet = (...jobs: JobSnapshot[]) => bus.publish({ type: 'fleet.updated', cluster: jobs[0]?.cluster ?? 'c1', jobs, at: clock.now() })
  const cluster = (s: 'up' | 'down', id = 'c1') =>
    bus.publish({ type: 'cluster.status', previous: s === 'up' ? 'down' : 'up', status: { id, type: 'flink', status: s, version: null, taskManagers: 0, slots: { total: 0, available: 0 }, jobs: { total: 42, running: 40 }, lastSeen: clock.now(), consecutiveFailures: s === 'down' ? 3 : 0, lastError: null, jobManagerUrl: null, webUiUrl: null } as ClusterStatus })
  return { store, bus, sent, silences, book, engine, clock, fleet, cluster }
}

test('one incident per rule and job: fires once, resolves once with a resolved notification', async () => {
  const h = await harness()
  h.fleet(job('c1', 'a', 'FAILED'))
  h.fleet(job('c1', 'a', 'FAILED'))
  await h.clock.advance(1000)
  h.fleet(job('c1', 'a', 'FAILED'))
  assert.deepEqual(h.sent.map((t) => t.kind), ['firing'])
  h.fleet(job('c1', 'a', 'RUNNING', { startTime: 5000 }))
  assert.deepEqual(h.sent.map((t) => t.kind), ['firing', 'resolved'])
  assert.equal(h.sent[0]!.alert.id, h.sent[1]!.alert.id)
  assert.match(h.sent[1]!.id, /:resolved$/)
  await h.engine.stop()
  const stored = await h.book.firing()
  assert.equal(stored.length, 0)
})

test('`for` holds an incident pending until the condition lasted that long', async () => {
  const h = await harness()
  h.fleet(job('c1', 'a', 'RUNNING', { lag: 500 }))
  await h.clock.advance(4 * 60_000)
  h.fleet(job('c1', 'a', 'RUNNING', { lag: 500 }))
  assert.equal(h.sent.length, 0)
  await h.clock.advance(60_000)
  h.fleet(job('c1', 'a', 'RUNNING', { lag: 600 }))
  assert.deepEqual(h.sent.map((t) => `${t.kind}:${t.alert.rule}`), ['firing:kafka-lag'])
  // The pending start is when it was detected, not when it fired.
  assert.equal(h.sent[0]!.alert.detectedAt, h.sent[0]!.alert.startsAt - 5 * 60_000)
  await h.engine.stop()
})

test('matchers: a rule only judges the clusters and jobs it matches', async () => {
  const h = await harness()
  h.bus.publish({ type: 'fleet.updated', cluster: 'prod-1', jobs: [job('prod-1', 'orders-eu', 'RUNNING', { busy: 0.99 }), job('prod-1', 'audit', 'RUNNING', { busy: 0.99 })], at: h.clock.now() })
  h.bus.publish({ type: 'fleet.updated', cluster: 'dev', jobs: [job('dev', 'orders-eu', 'RUNNING', { busy: 0.99 })], at: h.clock.now() })
  assert.deepEqual(h.sent.map((t) => `${t.alert.cluster}/${t.alert.jobName}`), ['prod-1/orders-eu'])
  await h.engine.stop()
})

test('inhibition: a down cluster holds back its jobs, says how many are affected, and releases them when up', async () => {
  const h = await harness()
  h.cluster('down')
  h.fleet(job('c1', 'a', 'FAILED'), job('c1', 'b', 'FAILED'))
  assert.deepEqual(h.sent.map((t) => t.alert.rule), ['cluster-down'])
  assert.equal(h.sent[0]!.alert.figures['jobsAffected'], 42)
  assert.match(h.sent[0]!.alert.summary, /42 job\(s\) affected/)
  const held = (await h.book.flush(), await h.book.firing()).filter((a) => a.rule === 'job-failed')
  assert.equal(held.length, 2)
  assert.ok(held.every((a) => a.inhibitedBy === h.sent[0]!.alert.id && a.notified === false))
  h.cluster('up')
  assert.deepEqual(h.sent.map((t) => `${t.kind}:${t.alert.rule}:${t.alert.jobName ?? ''}`).sort(), ['firing:cluster-down:', 'firing:job-failed:a', 'firing:job-failed:b', 'resolved:cluster-down:'])
  await h.engine.stop()
})

test('an inhibited incident that resolves while held back sends nothing', async () => {
  const h = await harness()
  h.cluster('down')
  h.fleet(job('c1', 'a', 'FAILED'))
  h.fleet(job('c1', 'a', 'RUNNING', { startTime: 9 }))
  assert.deepEqual(h.sent.map((t) => t.alert.rule), ['cluster-down'])
  await h.engine.stop()
})

test('silences: matching incidents are recorded, not notified, until the silence ends', async () => {
  const h = await harness()
  const s = await h.silences.add({ matchers: { job: 'a' }, startsAt: h.clock.now(), endsAt: h.clock.now() + 60_000, createdBy: 't', comment: 'maintenance' })
  h.fleet(job('c1', 'a', 'FAILED'), job('c1', 'b', 'FAILED'))
  assert.deepEqual(h.sent.map((t) => t.alert.jobName), ['b'])
  await h.book.flush()
  assert.equal((await h.book.firing()).find((a) => a.jobName === 'a')!.silencedBy, s.id)
  await h.clock.advance(65_000)
  assert.deepEqual(h.sent.map((t) => t.alert.jobName), ['b', 'a'])
  await h.engine.stop()
})

test('reminders at the repeat interval while firing, with their own transition ids', async () => {
  const h = await harness()
  h.fleet(job('c1', 'a', 'FAILED'))
  await h.clock.advance(4 * H + 5000)
  await h.clock.advance(4 * H + 5000)
  assert.deepEqual(h.sent.map((t) => t.id.split(':').slice(1).join(':')), ['firing', 'reminder:1', 'reminder:2'])
  await h.engine.stop()
})

test('a restarted engine keeps firing incidents open: no second firing notification', async () => {
  const h = await harness()
  h.fleet(job('c1', 'a', 'FAILED'))
  await h.engine.stop()
  const again = await harness(h.store, h.clock)
  again.fleet(job('c1', 'a', 'FAILED'))
  assert.equal(again.sent.length, 0)
  again.fleet(job('c1', 'a', 'RUNNING', { startTime: 7 }))
  assert.deepEqual(again.sent.map((t) => t.kind), ['resolved'])
  assert.equal(again.sent[0]!.alert.id, h.sent[0]!.alert.id)
  await again.engine.stop()
})

test('default rules: stuck jobs fire although the poller repeats cached lag between metric refreshes', async () => {
  // config/rules.yaml as shipped (throughput-zero `for: 2m`, kafka-lag-trend 10 samples); a 10 s
  // poll that sees a fresh lag reading every 60 s, as the Flink poller publishes it.
  const defaults = mergeRules(readRulesFile(new URL('../../../config/rules.yaml', import.meta.url).pathname), [])
  const h = await harness(undefined, undefined, buildRules(defaults.filter((r) => r.name === 'throughput-zero' || r.name === 'kafka-lag-trend')))
  for (let poll = 0; poll <= 6 * 12; poll++) {
    const lag = 1000 + 500 * Math.floor(poll / 6)
    h.fleet(job('c1', 'stuck', 'RUNNING', { lag, recordsInPerSec: 0 }), job('c1', 'healthy', 'RUNNING', { lag: poll % 12 < 6 ? 40 : 55, recordsInPerSec: 900 }))
    await h.clock.advance(10_000)
  }
  // Fresh readings at 0, 60 s, 120 s, 180 s...: growing since 60 s, so firing from 180 s on.
  assert.deepEqual(h.sent.map((t) => `${t.kind}:${t.alert.rule}:${t.alert.jobName}`), ['firing:throughput-zero:stuck', 'firing:kafka-lag-trend:stuck'])
  assert.equal(h.sent[0]!.alert.startsAt - h.sent[0]!.alert.detectedAt!, 2 * 60_000)
  await h.engine.stop()
})

test('IncidentSink: raise once, resolve, announce', async () => {
  const h = await harness()
  h.engine.raise({ rule: 'auto-restart-gave-up', severity: 'critical', cluster: 'c1', jobName: 'a', summary: 'gave up after 3 restarts', figures: { attempts: 3 } })
  h.engine.raise({ rule: 'auto-restart-gave-up', severity: 'critical', cluster: 'c1', jobName: 'a', summary: 'gave up after 3 restarts' })
  h.engine.resolve('auto-restart-gave-up', 'c1', 'a')
  h.engine.resolve('unknown', 'c1', 'a')
  h.engine.announce({ severity: 'info', cluster: 'c1', jobName: 'a', summary: 'restarted from checkpoint 42' })
  assert.deepEqual(h.sent.map((t) => `${t.kind}:${t.alert.rule}`), ['firing:auto-restart-gave-up', 'resolved:auto-restart-gave-up', 'announce:announcement'])
  await h.engine.stop()
})
