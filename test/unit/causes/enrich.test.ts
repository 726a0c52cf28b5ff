import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventBus } from '../../../src/core/event-bus.js'
import type { AlertEvent, AlertTransition } from '../../../src/model/alert.js'
import { AlertEngine, type EngineOptions } from '../../../alerting/engine/engine.js'
import { IncidentBook } from '../../../alerting/engine/incident-book.js'
import { Silences } from '../../../alerting/engine/silences.js'
import { buildRules } from '../../../alerting/rules/load.js'
import { FailureEvidence, failureInput } from '../../../src/causes/evidence.js'
import { pickEvidence } from '../../../src/causes/pick-evidence.js'
import { RuleClassifier } from '../../../src/causes/classifier.js'
import { compileRules } from '../../../src/causes/rules.js'
import { BUILTIN_CAUSE_RULES } from '../../../src/causes/builtin-rules.js'
import { logsCollection, toDocument } from '../../../src/logs/document.js'
import type { LogRecord } from '../../../src/model/log-record.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { job, quietLogger, ruleConfig, tempStore } from '../alerting/helpers.js'

async function harness(enrich: EngineOptions['enrich'], clock = new FakeClock()) {
  const store = await tempStore()
  const bus = new EventBus()
  const sent: AlertTransition[] = []
  const silences = new Silences(store)
  await silences.load()
  const book = new IncidentBook(store, quietLogger)
  const rules = buildRules([ruleConfig({ name: 'job-failed', kind: 'job-failed' }), ruleConfig({ name: 'kafka-lag', kind: 'kafka-lag', params: { threshold: 100 } })])
  const engine = new AlertEngine({
    rules, bus, clock, logger: quietLogger, book, silences, notify: (t) => sent.push(t), repeatIntervalMs: 3_600_000, evaluationIntervalMs: 5000,
    ...(enrich ? { enrich } : {}),
  })
  await engine.start()
  return { bus, sent, book, engine, clock }
}

const CAUSE = { class: 'user-code', owner: 'job' as const, hint: 'h', title: 't', rule: 'r', runbook: null, evidence: { exception: null, matched: null, source: null, frames: [], logs: [], countLast7d: 1, links: { job: null, logs: null } } }

test('enrich: the firing notification waits for the cause and carries it; the stored incident has it too', async () => {
  const kinds: string[] = []
  let release: (v: { cause: typeof CAUSE }) => void = () => undefined
  const h = await harness((_a, kind) => {
    kinds.push(kind)
    if (kind !== 'job-failed') return undefined
    return new Promise((r) => (release = r))
  })
  h.bus.publish({ type: 'fleet.updated', cluster: 'c1', jobs: [job('c1', 'a', 'FAILED'), job('c1', 'b', 'RUNNING', { lag: 500 })], at: h.clock.now() })
  assert.deepEqual(kinds.sort(), ['job-failed', 'kafka-lag'])
  assert.deepEqual(h.sent.map((t) => t.alert.rule), ['kafka-lag'], 'other rules are not held')
  h.engine.tick()
  assert.equal(h.sent.length, 1, 'a tick does not send it while its cause is being found')
  release({ cause: CAUSE })
  await new Promise((r) => setImmediate(r))
  assert.equal(h.sent.length, 2)
  assert.equal(h.sent[1]!.alert.cause?.class, 'user-code')
  const stored = await h.book.get(h.sent[1]!.alert.id)
  assert.equal(stored?.cause?.class, 'user-code')
  await h.engine.stop()
})

test('enrich: a failing or slow enrichment never loses the notification', async () => {
  const h = await harness(() => Promise.reject(new Error('store down')))
  h.bus.publish({ type: 'fleet.updated', cluster: 'c1', jobs: [job('c1', 'a', 'FAILED')], at: h.clock.now() })
  await new Promise((r) => setImmediate(r))
  assert.equal(h.sent.length, 1)
  assert.equal(h.sent[0]!.alert.cause, undefined)
  await h.engine.stop()
  const slow = await harness(() => new Promise(() => undefined))
  slow.bus.publish({ type: 'fleet.updated', cluster: 'c1', jobs: [job('c1', 'a', 'FAILED')], at: slow.clock.now() })
  assert.equal(slow.sent.length, 0)
  await slow.clock.advance(3000)
  await new Promise((r) => setImmediate(r))
  assert.equal(slow.sent.length, 1, 'sent without a cause after the timeout')
  await slow.engine.stop()
})

const rec = (i: number, level: LogRecord['level'], message: string, at: number, extra: Partial<LogRecord> = {}): LogRecord => ({ id: `l${i}`, timestamp: at, level, message, logger: null, thread: null, cluster: 'c1', jobId: 'a'.repeat(32), jobName: 'orders', taskManager: 'tm-1', errorType: null, errorMessage: null, stackTrace: null, truncated: false, origin: 'test', ...extra })

test('evidence: the job’s WARN+ lines of the window, pod incidents and exceptions become the classifier’s input', async () => {
  const store = SqliteStore.open(mkdtempSync(join(tmpdir(), 'fw-evidence-')))
  await store.init([logsCollection])
  const at = 1_000_000
  await store.write('logs', [
    rec(1, 'WARN', 'Connection to node 1 could not be established. Broker may not be available.', at - 60_000),
    rec(2, 'INFO', 'processed 1', at - 50_000),
    rec(3, 'ERROR', 'too early', at - 20 * 60_000),
    rec(4, 'ERROR', 'other job', at - 1000, { jobId: 'b'.repeat(32), jobName: 'other' }),
  ].map(toDocument))
  const snap = job('c1', 'orders', 'FAILED', { jobId: 'a'.repeat(32), latestException: { timestamp: at, message: 'x', stackTrace: 'org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\nCaused by: org.apache.flink.runtime.jobmaster.JobMasterException: TaskManager with id tm-1 is no longer reachable.', taskName: null, location: null } })
  const ev = new FailureEvidence({ store, job: () => snap, windowMs: 5 * 60_000 })
  ev.onIncident({ kind: 'taskmanager-oom-killed', cluster: 'c1', subject: 'tm-1', message: 'TaskManager pod tm-1 of orders was OOMKilled (container flink-main-container, exit code 137)', at: at - 30_000 })
  const g = await ev.gather({ cluster: 'c1', jobId: 'a'.repeat(32), jobName: 'orders', at })
  assert.deepEqual(g.logs.map((l) => l.id), ['l1'], 'WARN+ only, this job, this window')
  assert.deepEqual(g.input.pod, { reason: 'OOMKilled', exitCode: 137, message: 'TaskManager pod tm-1 of orders was OOMKilled (container flink-main-container, exit code 137)' })
  const v = new RuleClassifier(compileRules(BUILTIN_CAUSE_RULES)).classify(g.input)
  assert.equal(v.class, 'container-memory-kill', 'the pod incident explains the lost TaskManager')
  await store.close()
})

test('evidence: YARN diagnostics give the exit status; a recent checkpoint failure is an event', () => {
  const snap = job('y', 'orders', 'FAILED', { platform: { applicationId: 'application_1_0001', platformError: 'Container killed on request. Exit code is 143' }, checkpoints: { completed: 1, failed: 3, inProgress: 0, intervalMs: 1000, lastCompleted: null, lastSavepoint: null, lastFailedAt: 500, lastFailureMessage: 'Checkpoint expired before completing.' } })
  const input = failureInput(snap, [], [], 0)
  assert.deepEqual(input.yarn, { diagnostics: 'Container killed on request. Exit code is 143', exitStatus: 143 })
  assert.deepEqual(input.events, ['Checkpoint failed: Checkpoint expired before completing.'])
})

test('picked log lines: one per template, errors before warnings, shown newest first, at most N', () => {
  const logs = [
    rec(1, 'WARN', 'Connection to node 1 failed', 100),
    rec(2, 'WARN', 'Connection to node 2 failed', 300),
    rec(3, 'ERROR', 'Task failed with poison', 200),
    rec(4, 'WARN', 'Checkpoint 5 expired', 50),
    rec(5, 'WARN', 'something else', 10),
    // Printed at every restart: never evidence at WARN.
    rec(6, 'WARN', "Name collision: Group already contains a Metric with the name 'pendingCommittables'. Metric will not be reported.", 400),
  ]
  const v = new RuleClassifier(compileRules(BUILTIN_CAUSE_RULES)).classify({ exception: 'java.lang.RuntimeException: boom\n\tat com.example.A.b(A.java:1)\n\tat org.apache.flink.X.y(X.java:2)' })
  const c = pickEvidence(v, logs, { base: 'https://fw.example.com/', cluster: 'c 1', jobId: 'abc', jobName: 'orders', at: 1_000_000, windowMs: 300_000, lines: 3, count: 2 })
  assert.deepEqual(c.evidence.logs.map((l) => l.text), ['Connection to node 2 failed', 'Task failed with poison', 'Checkpoint 5 expired'])
  assert.deepEqual(c.evidence.frames, ['at com.example.A.b(A.java:1)', '… 1 framework frame'])
  assert.equal(c.evidence.links.job, 'https://fw.example.com/jobs/c%201/abc')
  assert.equal(c.evidence.links.logs, 'https://fw.example.com/logs?cluster=c+1&job=abc&from=700000&to=1060000')
  assert.equal(c.class, 'user-code')
  assert.equal(c.evidence.countLast7d, 2)
})

void ({} as AlertEvent)

test('evidence: with a log source, a window without lines is read once more (shipped lines trail the failure)', async () => {
  const store = SqliteStore.open(mkdtempSync(join(tmpdir(), 'fw-late-')))
  await store.init([logsCollection])
  const clock = new FakeClock(1_000_000)
  const ev = new FailureEvidence({ store, job: () => undefined, windowMs: 60_000, lateLinesMs: 2000, clock })
  const pending = ev.gather({ cluster: 'c1', jobId: 'a'.repeat(32), jobName: 'orders', at: clock.now() })
  await store.write('logs', [toDocument(rec(1, 'WARN', 'arrived late', clock.now() - 500))])
  await clock.advance(2000)
  const g = await pending
  assert.deepEqual(g.logs.map((l) => l.message), ['arrived late'])
  const none = new FailureEvidence({ store, job: () => undefined, windowMs: 60_000, lateLinesMs: 2000, clock })
  const old = await none.gather({ cluster: 'c1', jobId: 'b'.repeat(32), jobName: 'x', at: clock.now() - 10_000 })
  assert.deepEqual(old.logs, [], 'an old failure is not waited for')
  await store.close()
})
