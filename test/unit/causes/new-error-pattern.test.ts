import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildRules, mergeRules, readRulesFile } from '../../../alerting/rules/load.js'
import type { LogRecord } from '../../../src/model/log-record.js'
import { ruleConfig } from '../alerting/helpers.js'

const rec = (message: string, level: LogRecord['level'] = 'WARN', jobName = 'orders'): LogRecord => ({ id: message, timestamp: 0, level, message, logger: null, thread: null, cluster: 'c1', jobId: null, jobName, taskManager: null, errorType: null, errorMessage: null, stackTrace: null, truncated: false, origin: 't' })

test('new-error-pattern is in the default rules and off by default', () => {
  const defaults = readRulesFile(new URL('../../../config/rules.yaml', import.meta.url).pathname)
  const r = defaults.find((d) => d.name === 'new-error-pattern')
  assert.equal(r?.enabled, false)
  assert.equal(buildRules(defaults).some((x) => x.spec.kind === 'new-error-pattern'), false)
  assert.equal(buildRules(mergeRules(defaults, [ruleConfig({ name: 'new-error-pattern', kind: 'new-error-pattern', enabled: true })])).some((x) => x.spec.kind === 'new-error-pattern'), true)
})

test('new-error-pattern: learns for learnFor, then a WARN+ template never seen for the job fires; masked variants are not new', () => {
  const [rule] = buildRules([ruleConfig({ name: 'nep', kind: 'new-error-pattern', params: { learnFor: '10m', resolveAfter: '5m' } })])
  const ev = (now: number, ...records: LogRecord[]) => rule!.onEvent({ type: 'log.stored', records }, now)
  assert.deepEqual(ev(0, rec('Checkpoint 17 expired')), [], 'learning')
  assert.deepEqual(ev(11 * 60_000, rec('Checkpoint 18 expired'), rec('processed 1', 'INFO')), [], 'same template, INFO ignored')
  const fired = ev(12 * 60_000, rec('Connection to node 3 refused'))
  assert.equal(fired.length, 1)
  assert.equal(fired[0]!.active, true)
  assert.equal(fired[0]!.subject.jobName, 'orders')
  assert.match(fired[0]!.summary!, /new WARN log pattern: Connection to node <num> refused/)
  assert.deepEqual(ev(12 * 60_000, rec('Connection to node 4 refused')), [], 'seen now')
  assert.deepEqual(ev(13 * 60_000, rec('Connection to node 4 refused', 'WARN', 'other')), [], 'another job learns on its own')
  assert.deepEqual(rule!.onTick!(16 * 60_000), [])
  const resolved = rule!.onTick!(18 * 60_000)
  assert.deepEqual(resolved.map((o) => o.active), [false])
})
