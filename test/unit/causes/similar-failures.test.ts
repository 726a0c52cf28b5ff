import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { BUILTIN_CAUSE_RULES } from '../../../src/causes/builtin-rules.js'
import { nearestClass, trainCentroids } from '../../../src/causes/centroids.js'
import { RuleClassifier, type FailureInput } from '../../../src/causes/classifier.js'
import { compileRules } from '../../../src/causes/rules.js'
import { SIMILARITY_RULE, SimilarFailuresClassifier, shippedModel } from '../../../src/causes/similar-failures.js'
import { failureTerms, words } from '../../../src/causes/terms.js'
import { MODEL_FILE, corpusModel, modelText } from '../../tools/write-cause-model.js'

const rules = new RuleClassifier(compileRules(BUILTIN_CAUSE_RULES))

/** A tiny corpus in words no built-in rule knows, so only the similarity can class them. */
const tiny = trainCentroids(
  (
    [
      ['taskmanager-lost', { events: ['Wombat gateway dropped the worker pod after silence from its agent'] }],
      ['taskmanager-lost', { events: ['worker agent silence: wombat gateway dropped it'] }],
      ['state-storage', { events: ['blobfs bucket quota reached while uploading snapshot chunk'] }],
      ['state-storage', { events: ['blobfs upload of snapshot chunk rejected'] }],
      ['unknown', { exception: 'MysteryException: something odd happened' }],
    ] as [Parameters<typeof trainCentroids>[0][number]['label'], FailureInput][]
  ).map(([label, f]) => ({ label, terms: failureTerms(f) })),
)
const similar = new SimilarFailuresClassifier(rules, tiny)

test('the shipped centroids are the ones the corpus trains (npm run causes:model rewrites them)', () => {
  assert.equal(readFileSync(MODEL_FILE, 'utf8'), modelText(corpusModel()))
  assert.ok(shippedModel().trainedOn >= 300)
})

test('words drop the variable parts and split names, so the same failure on other hosts has the same words', () => {
  const a = words('Connection to node 3 (kafka-3.example.com/10.0.0.7:9092) refused at s3://bucket/chk-17 id 7f3a9b2c1d4e')
  const b = words('Connection to node 1 (broker-1/10.2.0.9:9092) refused at s3://other/chk-2 id 00aa11bb22cc')
  assert.deepEqual(a.filter((w) => !b.includes(w)).filter((w) => !['kafka', 'example', 'com'].includes(w)), [])
  assert.deepEqual(words('TaskManagerLostException'), ['task', 'manager', 'lost', 'exception'])
  assert.deepEqual(words('作业失败了'), ['作业', '业失', '失败', '败了'])
})

test('when no rule matches, names the class of the failures it resembles, as likely, with what decided', () => {
  const input: FailureInput = { events: ['the wombat gateway dropped worker tm-7 after agent silence'] }
  assert.equal(rules.classify(input).class, 'unknown', 'no rule knows these words')
  const v = similar.classify(input)
  assert.equal(v.class, 'taskmanager-lost')
  assert.equal(v.owner, 'platform')
  assert.equal(v.rule, SIMILARITY_RULE)
  assert.match(v.title, /^Likely: TaskManager lost$/)
  assert.match(v.hint, /^No rule matched/)
  assert.match(v.matched ?? '', /similar to known taskmanager lost failures \(cosine 0\.\d\d: .*wombat/)
  assert.equal(similar.classify({ events: ['blobfs quota reached for snapshot chunk'] }).class, 'state-storage')
})

test('a rule that matches decides, and what resembles nothing known or the unknown class stays unknown', () => {
  const oom: FailureInput = { exception: 'java.lang.OutOfMemoryError: Java heap space', events: ['wombat gateway dropped worker after agent silence'] }
  assert.deepEqual(similar.classify(oom), rules.classify(oom))
  const nothing = similar.classify({ exception: 'zzz: qqq' })
  assert.equal(nothing.class, 'unknown')
  assert.equal(nothing.rule, null)
  assert.equal(similar.classify({ exception: 'MysteryException: something odd happened again' }).class, 'unknown', 'nearest is the unknown class')
  // A far, faint resemblance is not enough.
  const strict = new SimilarFailuresClassifier(rules, tiny, 0.9)
  assert.equal(strict.classify({ events: ['gateway noticed a wombat'] }).class, 'unknown')
})

test('a user rule that says unknown is respected, not second-guessed', () => {
  const own = new RuleClassifier(compileRules([{ id: 'ours', class: 'unknown', match: { log: 'wombat' } }]))
  const v = new SimilarFailuresClassifier(own, tiny).classify({ logs: ['wombat gateway dropped worker after agent silence'] })
  assert.equal(v.class, 'unknown')
  assert.equal(v.rule, 'ours')
})

test('nearestClass tells how similar and which terms weighed most', () => {
  const n = nearestClass(tiny, failureTerms({ events: ['blobfs bucket quota reached'] }))
  assert.equal(n?.class, 'state-storage')
  assert.ok(n!.similarity > 0.3 && n!.similarity <= 1, String(n?.similarity))
  assert.ok(n!.terms.some((t) => t.includes('blobfs')), n!.terms.join())
  assert.equal(nearestClass(tiny, failureTerms({})), null)
})
