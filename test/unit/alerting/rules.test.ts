import { test } from 'node:test'
import assert from 'node:assert/strict'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { checkAlertingConfig } from '../../../alerting/check.js'
import { buildRules, mergeRules, readRulesFile, resolveRulesFile } from '../../../alerting/rules/load.js'
import type { ServiceEvent } from '../../../src/model/events.js'
import type { JobSnapshot } from '../../../src/model/job.js'
import type { ClusterStatus } from '../../../src/model/cluster.js'
import { ConfigError } from '../../../src/core/errors.js'
import { testConfig } from '../../helpers/service.js'
import { job, ruleConfig } from './helpers.js'

const T0 = Date.UTC(2026, 0, 1)
const S = 1000
const M = 60_000
const fleet = (at: number, ...jobs: JobSnapshot[]): ServiceEvent => ({ type: 'fleet.updated', cluster: 'c1', jobs, at })
const cp = (extra: Partial<NonNullable<JobSnapshot['checkpoints']>>) => ({ completed: 1, failed: 0, inProgress: 0, intervalMs: 10 * S, lastCompleted: null, lastSavepoint: null, lastFailedAt: null, lastFailureMessage: null, ...extra })
const status = (s: 'up' | 'down', total = 7): ClusterStatus => ({ id: 'c1', type: 'flink', status: s, version: '1.20', taskManagers: 1, slots: { total: 2, available: 0 }, jobs: { total, running: total }, lastSeen: T0, consecutiveFailures: s === 'down' ? 3 : 0, lastError: s === 'down' ? 'connect ECONNREFUSED' : null, jobManagerUrl: null, webUiUrl: null })
const logs = (n: number, name = 'a'): ServiceEvent => ({ type: 'log.stored', records: Array.from({ length: n }, (_, i) => ({ id: `l${i}`, timestamp: T0, level: 'ERROR' as const, message: 'java.io.IOException: broken pipe', logger: null, thread: null, cluster: 'c1', jobId: null, jobName: name, taskManager: null, errorType: null, errorMessage: null, stackTrace: null, truncated: false, origin: 'http' })) })

const repeat = <T>(v: T, n: number): T[] => Array.from({ length: n }, () => v)

type Step = { event: ServiceEvent; at?: number } | { tick: number }

interface Case {
  name: string
  kind: string
  params?: Record<string, number | string | boolean>
  steps: Step[]
  /** After each step: the last observation's `active` for the subject (undefined = no observation). */
  expect: (boolean | undefined)[]
}

const A = (state: JobSnapshot['state'], extra: Partial<JobSnapshot> = {}) => job('c1', 'a', state, extra)

const cases: Case[] = [
  { name: 'job failed fires on FAILED and resolves on RUNNING', kind: 'job-failed', steps: [{ event: fleet(T0, A('RUNNING')) }, { event: fleet(T0 + S, A('FAILED')) }, { event: fleet(T0 + 2 * S, A('RUNNING', { startTime: 2000 })) }], expect: [false, true, false] },
  { name: 'job failed judges the newest run of a name', kind: 'job-failed', steps: [{ event: fleet(T0, A('FAILED', { jobId: 'old', startTime: 1 }), A('RUNNING', { jobId: 'new', startTime: 2 })) }], expect: [false] },
  { name: 'job failed from a transition', kind: 'job-failed', steps: [{ event: { type: 'job.transition', transition: { cluster: 'c1', jobId: 'x', jobName: 'a', from: 'RUNNING', to: 'FAILED', at: T0, restarts: 0, exception: 'boom' } } }], expect: [true] },
  { name: 'restart loop: 3 restarts within 10m', kind: 'restart-loop', steps: [{ event: fleet(T0, A('RUNNING', { restarts: 0 })) }, { event: fleet(T0 + M, A('RESTARTING', { restarts: 2 })) }, { event: fleet(T0 + 2 * M, A('RUNNING', { restarts: 3 })) }, { event: fleet(T0 + 13 * M, A('RUNNING', { restarts: 3 })) }], expect: [false, false, true, false] },
  // A stale view of the same run (numRestarts lags the exception history; an HA mirror is a poll behind) reads lower: its rise again is no restart.
  { name: 'restart loop: a stale lower reading of the same run does not count the rise twice', kind: 'restart-loop', steps: [0, 2, 0, 2, 1, 2].map((restarts, i) => ({ event: fleet(T0 + i * S, A(i % 2 ? 'FAILED' : 'RUNNING', { restarts })) })), expect: [false, false, false, false, false, false] },
  { name: 'restart loop: a new run counts from zero', kind: 'restart-loop', steps: [{ event: fleet(T0, A('RUNNING', { restarts: 2 })) }, { event: fleet(T0 + S, A('RUNNING', { jobId: 'run2', startTime: 2000, restarts: 0 })) }, { event: fleet(T0 + 2 * S, A('RUNNING', { jobId: 'run2', startTime: 2000, restarts: 3 })) }], expect: [false, false, true] },
  { name: 'restart loop: slow restarts never fire', kind: 'restart-loop', steps: [{ event: fleet(T0, A('RUNNING', { restarts: 0 })) }, { event: fleet(T0 + 6 * M, A('RUNNING', { restarts: 1 })) }, { event: fleet(T0 + 12 * M, A('RUNNING', { restarts: 2 })) }, { event: fleet(T0 + 18 * M, A('RUNNING', { restarts: 3 })) }], expect: [false, false, false, false] },
  { name: 'not running: CANCELED without operator', kind: 'job-not-running', steps: [{ event: fleet(T0, A('RUNNING')) }, { event: fleet(T0 + S, A('CANCELED', { endTime: T0 + S })) }], expect: [false, true] },
  {
    name: 'not running: CANCELED by an operator is fine',
    kind: 'job-not-running',
    steps: [{ event: fleet(T0, A('RUNNING')) }, { event: { type: 'operation.updated', operation: { id: 'op', action: 'cancel', cluster: 'c1', jobId: A('RUNNING').jobId, jobName: 'a', status: 'succeeded', requestedBy: 'ops', createdAt: T0, updatedAt: T0, message: null, result: null } } }, { event: fleet(T0 + S, A('CANCELED', { endTime: T0 + S })) }],
    expect: [false, undefined, false],
  },
  { name: 'checkpoints failing: 3 failures in 10m', kind: 'checkpoint-failing', steps: [{ event: fleet(T0, A('RUNNING', { checkpoints: cp({ failed: 5 }) })) }, { event: fleet(T0 + M, A('RUNNING', { checkpoints: cp({ failed: 7 }) })) }, { event: fleet(T0 + 2 * M, A('RUNNING', { checkpoints: cp({ failed: 8 }) })) }], expect: [false, false, true] },
  { name: 'checkpoint stale: none completed for 3 × interval (min 2m)', kind: 'checkpoint-stale', steps: [{ event: fleet(T0, A('RUNNING', { startTime: T0, checkpoints: cp({ intervalMs: 60 * S }) })) }, { event: fleet(T0 + 3 * M + S, A('RUNNING', { startTime: T0, checkpoints: cp({ intervalMs: 60 * S }) })) }, { event: fleet(T0 + 4 * M, A('RUNNING', { startTime: T0, checkpoints: cp({ intervalMs: 60 * S, lastCompleted: { id: 1, completedAt: T0 + 4 * M - S, durationMs: 100, sizeBytes: 1, externalPath: null, isSavepoint: false } }) })) }], expect: [false, true, false] },
  {
    // The figures were last read at T0 + 1m (a poll ran out of time since): nothing is known after that, so no alert.
    name: 'checkpoint stale: judged as of the last read of the figures, not of the poll',
    kind: 'checkpoint-stale',
    steps: [
      { event: fleet(T0 + 10 * M, A('RUNNING', { startTime: T0, checkpoints: cp({ intervalMs: 60 * S, observedAt: T0 + M }) })) },
      { event: fleet(T0 + 11 * M, A('RUNNING', { startTime: T0, checkpoints: cp({ intervalMs: 60 * S, observedAt: T0 + 11 * M }) })) },
    ],
    expect: [false, true],
  },
  { name: 'checkpoint stale: checkpointing off is not judged', kind: 'checkpoint-stale', steps: [{ event: fleet(T0 + 60 * M, A('RUNNING', { checkpoints: cp({ intervalMs: null }) })) }], expect: [undefined] },
  { name: 'checkpoint slow', kind: 'checkpoint-slow', params: { duration: '1m' }, steps: [{ event: fleet(T0, A('RUNNING', { checkpoints: cp({ lastCompleted: { id: 1, completedAt: T0, durationMs: 90 * S, sizeBytes: 1, externalPath: null, isSavepoint: false } }) })) }], expect: [true] },
  { name: 'kafka lag above threshold', kind: 'kafka-lag', params: { threshold: 1000 }, steps: [{ event: fleet(T0, A('RUNNING', { lag: 10 })) }, { event: fleet(T0 + S, A('RUNNING', { lag: 5000 })) }, { event: fleet(T0 + 2 * S, A('RUNNING', { lag: null })) }], expect: [false, true, undefined] },
  { name: 'lag trend: never decreased over 4 samples (Burrow WARN)', kind: 'kafka-lag-trend', params: { samples: 4 }, steps: [10, 20, 25, 30, 25].map((lag, i) => ({ event: fleet(T0 + i * S, A('RUNNING', { lag })) })), expect: [undefined, undefined, undefined, true, false] },
  // The poller repeats cached lag between metric refreshes (60 s) on every 10 s poll: repeats are not samples.
  { name: 'lag trend: repeated cached readings are not samples (a healthy 40 → 55 never fires)', kind: 'kafka-lag-trend', steps: [...repeat(40, 6), ...repeat(55, 6)].map((lag, i) => ({ event: fleet(T0 + i * 10 * S, A('RUNNING', { lag })) })), expect: repeat(undefined, 12) },
  { name: 'lag trend: fresh readings that never decrease fire, repeats in between', kind: 'kafka-lag-trend', params: { samples: 4 }, steps: [10, 10, 20, 20, 30, 30, 40, 40].map((lag, i) => ({ event: fleet(T0 + i * 10 * S, A('RUNNING', { lag })) })), expect: [undefined, undefined, undefined, undefined, undefined, undefined, true, undefined] },
  { name: 'lag trend: a zero-lag sample resolves (Burrow rule 1)', kind: 'kafka-lag-trend', params: { samples: 3 }, steps: [5, 6, 7, 0].map((lag, i) => ({ event: fleet(T0 + i * S, A('RUNNING', { lag })) })), expect: [undefined, undefined, true, false] },
  { name: 'backpressure above ratio', kind: 'backpressure', steps: [{ event: fleet(T0, A('RUNNING', { backpressure: 0.95 })) }, { event: fleet(T0 + S, A('RUNNING', { backpressure: 0.1 })) }], expect: [true, false] },
  { name: 'busy above ratio', kind: 'busy', steps: [{ event: fleet(T0, A('RUNNING', { busy: 0.99 })) }], expect: [true] },
  {
    name: 'throughput zero: repeated cached lag is no opinion, fresh growth is',
    kind: 'throughput-zero',
    steps: [100, 100, 100, 200, 200, 200, 300].map((lag, i) => ({ event: fleet(T0 + i * 10 * S, A('RUNNING', { lag, recordsInPerSec: 0 })) })),
    expect: [undefined, undefined, undefined, true, undefined, undefined, true],
  },
  { name: 'throughput zero while lag grows', kind: 'throughput-zero', steps: [{ event: fleet(T0, A('RUNNING', { lag: 100, recordsInPerSec: 0 })) }, { event: fleet(T0 + S, A('RUNNING', { lag: 200, recordsInPerSec: 0 })) }, { event: fleet(T0 + 2 * S, A('RUNNING', { lag: 300, recordsInPerSec: 50 })) }], expect: [undefined, true, false] },
  { name: 'cluster down and up', kind: 'cluster-down', steps: [{ event: { type: 'cluster.status', status: status('down'), previous: 'up' } }, { event: { type: 'cluster.status', status: status('up'), previous: 'down' } }], expect: [true, false] },
  { name: 'jobmanager failover resolves after resolveAfter', kind: 'jobmanager-failover', params: { resolveAfter: '5m' }, steps: [{ event: { type: 'cluster.incident', incident: { kind: 'jobmanager-failover', cluster: 'c1', subject: 'jm-2:8081', message: 'leader changed', at: T0 } } }, { tick: T0 + 4 * M }, { tick: T0 + 5 * M }], expect: [true, undefined, false] },
  { name: 'taskmanager OOM-killed', kind: 'taskmanager-lost', steps: [{ event: { type: 'cluster.incident', incident: { kind: 'taskmanager-oom-killed', cluster: 'c1', subject: 'tm-1', message: 'OOMKilled', at: T0 } } }], expect: [true] },
  { name: 'error log rate above threshold, window slides', kind: 'error-log-rate', params: { threshold: 5, window: '1m' }, steps: [{ event: logs(3), at: T0 }, { event: logs(3), at: T0 + S }, { tick: T0 + 2 * M }], expect: [false, true, false] },
]

for (const c of cases) {
  test(`rule ${c.kind}: ${c.name}`, () => {
    const [rule] = buildRules([ruleConfig({ name: c.kind, kind: c.kind, ...(c.params ? { params: c.params } : {}) })])
    assert.ok(rule)
    const got: (boolean | undefined)[] = []
    for (const s of c.steps) {
      const obs = 'tick' in s ? (rule.onTick?.(s.tick) ?? []) : rule.onEvent(s.event, s.at ?? T0)
      const mine = obs.filter((o) => o.subject.cluster === 'c1' && (o.subject.jobName === 'a' || o.subject.jobName === null))
      got.push(mine.length ? mine[mine.length - 1]!.active : undefined)
    }
    assert.deepEqual(got, c.expect)
  })
}

test('rules file: defaults load, user rules override by name and can switch one off', () => {
  const defaults = readRulesFile(new URL('../../../config/rules.yaml', import.meta.url).pathname)
  assert.ok(defaults.length >= 15)
  const merged = mergeRules(defaults, [ruleConfig({ name: 'kafka-lag', params: { threshold: 5 } } as never), ruleConfig({ name: 'busy', enabled: false } as never)])
  const rules = buildRules(merged)
  const lag = rules.find((r) => r.spec.name === 'kafka-lag')!
  assert.equal(lag.spec.params['threshold'], 5)
  assert.equal(lag.spec.forMs, 5 * M)
  assert.equal(rules.some((r) => r.spec.name === 'busy'), false)
})

test('rules: unknown kinds and bad params are one clear config error', () => {
  assert.throws(
    () => buildRules([ruleConfig({ name: 'x', kind: 'nope' }), ruleConfig({ name: 'y', kind: 'kafka-lag', params: { threshold: 'lots' } })]),
    (err: unknown) => err instanceof ConfigError && /alerting\.rules\[x\]\.kind: unknown rule kind "nope"/.test(err.message) && /alerting\.rules\[y\]\.params\.threshold/.test(err.message),
  )
})

test('rules file: a relative path is relative to the flinkwatch install, not the working directory', () => {
  const cwd = process.cwd()
  process.chdir(tmpdir())
  try {
    assert.equal(resolveRulesFile('config/rules.yaml'), fileURLToPath(new URL('../../../config/rules.yaml', import.meta.url)))
    assert.ok(readRulesFile(resolveRulesFile('config/rules.yaml')).length >= 15)
    assert.equal(resolveRulesFile('/etc/flinkwatch/rules.yaml'), '/etc/flinkwatch/rules.yaml')
  } finally {
    process.chdir(cwd)
  }
})

test('rules file: a missing file is a config error, never "no rules"', () => {
  assert.throws(() => readRulesFile('/nonexistent/rules.yaml'), (err: unknown) => err instanceof ConfigError && /^alerting\.rulesFile: cannot read \/nonexistent\/rules\.yaml: ENOENT$/.test(err.message))
  assert.deepEqual(checkAlertingConfig(testConfig({ alerting: { rulesFile: '/nonexistent/rules.yaml' } })), ['alerting.rulesFile: cannot read /nonexistent/rules.yaml: ENOENT'])
})

test('checkAlertingConfig: unknown kinds, bad params and bad regular expressions, one line each', () => {
  const problems = checkAlertingConfig(
    testConfig({
      alerting: {
        rules: [
          { name: 'x', kind: 'nope' },
          { name: 'kafka-lag', params: { threshold: 'lots' } },
        ],
      },
    }),
  )
  assert.equal(problems.length, 2, problems.join('\n'))
  assert.ok(problems.some((p) => /^alerting\.rules\[x\]\.kind: unknown rule kind "nope"/.test(p)), problems.join('\n'))
  assert.ok(problems.some((p) => /^alerting\.rules\[kafka-lag\]\.params\.threshold/.test(p)), problems.join('\n'))
  assert.deepEqual(checkAlertingConfig(testConfig()), [])
  assert.deepEqual(checkAlertingConfig(testConfig({ alerting: { enabled: false, rulesFile: '/nonexistent' } })), [])
  // The config schema checks user matchers; a rules file's are checked when rules are built.
  assert.throws(() => buildRules([ruleConfig({ name: 'r', kind: 'busy', match: { job: 'orders-(' } })]), (err: unknown) => err instanceof ConfigError && /^alerting\.rules\[r\]\.match\.job: not a valid regular expression: orders-\($/.test(err.message))
})
