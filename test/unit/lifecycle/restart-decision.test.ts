import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { EffectivePolicy } from '../../../src/lifecycle/auto-restart-policy.js'
import { decideRestart, skipMessage, type DecisionInput, type RestartState } from '../../../src/lifecycle/restart-decision.js'

const MIN = 60_000
const eff = { policy: { name: 'p' }, index: 0, maxAttempts: 2, windowMs: 60 * MIN, backoffMs: 30_000 } as unknown as EffectivePolicy
const empty = (): RestartState => ({ cluster: 'c', jobName: 'j', attempts: [], handled: [], operatorStopped: [], gaveUp: null })
const input = (o: Partial<DecisionInput> = {}): DecisionInput => ({ failedJobId: 'f1', startTime: 1, instanceId: 'me', now: 10 * MIN, retry: false, eff, claimTtlMs: 15 * MIN, ...o })

describe('the restart decision (pure)', () => {
  it('claims a new failure: one scheduled attempt owned by this instance, the instance marked handled', () => {
    const { next, result } = decideRestart(empty(), input())
    assert.deepEqual(result, { kind: 'attempt', attempt: 1, delayMs: 30_000 })
    assert.deepEqual(next?.handled, ['f1'])
    assert.equal(next?.attempts[0]?.owner, 'me')
    assert.equal(next?.attempts[0]?.claimUntil, 10 * MIN + 30_000 + 15 * MIN)
  })

  it('skips an instance an operator stopped, and says why', () => {
    const s = { ...empty(), operatorStopped: ['f1'] }
    const { next, result } = decideRestart(s, input())
    assert.deepEqual(result, { kind: 'skip', reason: { kind: 'operator-stopped' } })
    assert.deepEqual(next?.handled, ['f1'])
    assert.equal(skipMessage({ kind: 'operator-stopped' }), 'an operator stopped it')
  })

  it("skips a handled instance, and rechecks another instance's pending claim when it expires", () => {
    const s = { ...empty(), handled: ['f1'], attempts: [{ at: 0, failedJobId: 'f1', owner: 'other', outcome: 'running' as const, claimUntil: 20 * MIN, operationId: null, newJobId: null }] }
    assert.deepEqual(decideRestart(structuredClone(s), input()), { next: null, result: { kind: 'skip', reason: { kind: 'already-handled', recheckAt: 20 * MIN } } })
    // Once the claim expired, the owner is taken for dead: this instance takes over.
    assert.equal(decideRestart(structuredClone(s), input({ now: 21 * MIN })).result.kind, 'attempt')
  })

  it('gives up once the budget is spent, once per episode', () => {
    const s = empty()
    s.attempts = [1, 2].map((n) => ({ at: n * MIN, failedJobId: `f${n}`, owner: 'me', outcome: 'failed' as const, claimUntil: 0, operationId: null, newJobId: null }))
    const first = decideRestart(s, input({ failedJobId: 'f3', startTime: 5 * MIN }))
    assert.deepEqual(first.result, { kind: 'give-up', attempts: 2 })
    const again = decideRestart(structuredClone(first.next!), input({ failedJobId: 'f4', startTime: 6 * MIN, now: 11 * MIN }))
    assert.deepEqual(again.result, { kind: 'skip', reason: { kind: 'already-gave-up' } })
  })
})
