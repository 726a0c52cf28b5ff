import { test } from 'node:test'
import assert from 'node:assert/strict'
import { score } from '../../../src/causes/scores.js'
import { isHeldOut } from '../../helpers/failure-corpus.js'

test('scores: accuracy, per-class precision/recall/F1, macro-F1 over the labelled classes', () => {
  const s = score([
    { label: 'heap-oom', predicted: 'heap-oom' },
    { label: 'heap-oom', predicted: 'unknown' },
    { label: 'user-code', predicted: 'user-code' },
    { label: 'user-code', predicted: 'heap-oom' },
  ])
  assert.equal(s.accuracy, 0.5)
  assert.deepEqual(s.perClass['heap-oom'], { support: 2, predicted: 2, precision: 0.5, recall: 0.5, f1: 0.5 })
  assert.deepEqual(s.perClass['user-code'], { support: 2, predicted: 1, precision: 1, recall: 0.5, f1: 0.667 })
  assert.deepEqual(s.perClass['unknown'], { support: 0, predicted: 1, precision: 0, recall: 0, f1: 0 })
  assert.equal(s.macroF1, 0.583, 'unknown was never a label: not averaged')
})

test('held-out split: stable by id, about a third', () => {
  const ids = Array.from({ length: 3000 }, (_, i) => `entry-${i}`)
  const held = ids.filter(isHeldOut).length
  assert.ok(held > 900 && held < 1100, String(held))
  assert.equal(isHeldOut('entry-7'), isHeldOut('entry-7'))
})
