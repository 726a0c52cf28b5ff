/** The poison-record failure as the real stack's JobManager reported it (recorded payload). */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { decodeExceptions } from '../../../platforms/flink/flink-decode.js'
import type { Exceptions } from '../../../platforms/flink/flink-schemas.js'
import { BUILTIN_CAUSE_RULES } from '../../../src/causes/builtin-rules.js'
import { RuleClassifier } from '../../../src/causes/classifier.js'
import { failureInput } from '../../../src/causes/evidence.js'
import { pickEvidence } from '../../../src/causes/pick-evidence.js'
import { compileRules } from '../../../src/causes/rules.js'
import { job } from '../alerting/helpers.js'

test('the real stack’s poison-record failure is user-code, with the processElement frame first', () => {
  const dto = JSON.parse(readFileSync(new URL('../../fixtures/flink/1.20/exceptions-failed.real.json', import.meta.url), 'utf8')) as Exceptions
  const exceptions = decodeExceptions(dto, 5)
  const snap = job('stack', 'fw-test', 'FAILED', { latestException: exceptions[0]!, exceptions })
  const input = failureInput(snap, [], [], 0)
  const v = new RuleClassifier(compileRules(BUILTIN_CAUSE_RULES)).classify(input)
  assert.equal(v.class, 'user-code')
  assert.equal(v.rule, 'thrown-in-user-code')
  const c = pickEvidence(v, [], { base: null, cluster: 'stack', jobId: snap.jobId, jobName: snap.name, at: 0, windowMs: 1, lines: 3, count: 1 })
  assert.equal(c.evidence.exception, 'java.lang.RuntimeException: poison record received (key=poison)')
  assert.equal(c.evidence.frames[0], 'at flinkwatch.testjob.TestJob$CountPerKey.processElement(TestJob.java:143)')
  assert.match(c.evidence.frames.at(-1)!, /^… \d+ framework frames$/)
  assert.equal(exceptions[0]!.failureLabels, undefined, 'empty failureLabels are not kept')
})
