import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_HEAP_GROWING_PERCENT, heapGrowingPercent } from '../../../src/core/heap-policy.js'

describe('heap policy', () => {
  const run = (env: NodeJS.ProcessEnv, execArgv: string[] = []) => {
    const warnings: string[] = []
    return { percent: heapGrowingPercent(env, execArgv, (m) => warnings.push(m)), warnings }
  }

  it('applies the default growing percentage unless overridden', () => {
    assert.deepEqual(run({}), { percent: DEFAULT_HEAP_GROWING_PERCENT, warnings: [] })
    assert.deepEqual(run({ FLINKWATCH_HEAP_GROWING_PERCENT: '100' }), { percent: 100, warnings: [] })
    // 0 = V8's own dynamic policy
    assert.deepEqual(run({ FLINKWATCH_HEAP_GROWING_PERCENT: '0' }), { percent: null, warnings: [] })
  })

  it("leaves a flag given to node alone", () => {
    assert.equal(run({}, ['--heap-growing-percent=30']).percent, null)
    assert.equal(run({ NODE_OPTIONS: '--heap-growing-percent=30', FLINKWATCH_HEAP_GROWING_PERCENT: '100' }).percent, null)
  })

  it('warns once about an unusable value and keeps the default', () => {
    const r = run({ FLINKWATCH_HEAP_GROWING_PERCENT: 'lots' })
    assert.equal(r.percent, DEFAULT_HEAP_GROWING_PERCENT)
    assert.equal(r.warnings.length, 1)
    assert.match(r.warnings[0]!, /FLINKWATCH_HEAP_GROWING_PERCENT="lots" is not an integer/)
  })
})
