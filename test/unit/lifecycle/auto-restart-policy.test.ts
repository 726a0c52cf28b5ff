import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AutoRestartConfig } from '../../../src/config/sections/auto-restart.js'
import { Value } from '@sinclair/typebox/value'
import { PolicyMatcher, planAttempt, wantsRestart } from '../../../src/lifecycle/auto-restart-policy.js'
import { FakeClock } from '../../helpers/fake-clock.js'

const S = 1000
const MIN = 60 * S
const policy = { maxAttempts: 3, windowMs: 60 * MIN, backoffMs: 30 * S }

/** Plays attempts the way the restarter records them: plan at `clock.now()`, record the start if it is an attempt. */
function attemptNow(attempts: number[], clock: FakeClock): ReturnType<typeof planAttempt> {
  const plan = planAttempt(attempts, clock.now(), policy)
  if (plan.kind === 'attempt') attempts.push(clock.now())
  return plan
}

describe('auto-restart budget and backoff', () => {
  it('allows at most maxAttempts per window, then gives up', async () => {
    const clock = new FakeClock()
    const attempts: number[] = []
    for (let n = 1; n <= 3; n++) {
      const plan = attemptNow(attempts, clock)
      assert.equal(plan.kind, 'attempt')
      await clock.advance(5 * MIN)
    }
    assert.deepEqual(attemptNow(attempts, clock), { kind: 'give-up', attemptsInWindow: 3 })
    // Still spent a little later, inside the window of the first attempt.
    await clock.advance(30 * MIN)
    assert.deepEqual(planAttempt(attempts, clock.now(), policy), { kind: 'give-up', attemptsInWindow: 3 })
  })

  it('doubles the backoff from `backoff` for the n-th attempt in the window', async () => {
    const clock = new FakeClock()
    const attempts: number[] = []
    const delays: number[] = []
    for (let n = 1; n <= 3; n++) {
      const plan = attemptNow(attempts, clock)
      assert.ok(plan.kind === 'attempt')
      assert.equal(plan.attempt, n)
      delays.push(plan.delayMs)
      await clock.advance(plan.delayMs)
    }
    assert.deepEqual(delays, [30 * S, 60 * S, 120 * S])
  })

  it('frees budget as attempts leave the sliding window, and the backoff shrinks with them', async () => {
    const clock = new FakeClock()
    const attempts: number[] = []
    attemptNow(attempts, clock) // t0
    await clock.advance(20 * MIN)
    attemptNow(attempts, clock) // t0 + 20 min
    await clock.advance(20 * MIN)
    attemptNow(attempts, clock) // t0 + 40 min
    await clock.advance(19 * MIN)
    assert.equal(planAttempt(attempts, clock.now(), policy).kind, 'give-up')
    // t0 + 60 min: the first attempt is exactly one window old and no longer counts.
    await clock.advance(1 * MIN)
    assert.deepEqual(planAttempt(attempts, clock.now(), policy), { kind: 'attempt', attempt: 3, delayMs: 120 * S })
    // t0 + 90 min: only the attempt at t0 + 40 min is left in the window.
    await clock.advance(30 * MIN)
    assert.deepEqual(planAttempt(attempts, clock.now(), policy), { kind: 'attempt', attempt: 2, delayMs: 60 * S })
    // Two windows after the last attempt nothing counts: back to the first backoff.
    await clock.advance(120 * MIN)
    assert.deepEqual(planAttempt(attempts, clock.now(), policy), { kind: 'attempt', attempt: 1, delayMs: 30 * S })
  })

  it('uses the per-job overrides and the whole-name regex, first match wins', () => {
    const config = Value.Decode(AutoRestartConfig, Value.Default(AutoRestartConfig, Value.Clean(AutoRestartConfig, {
      maxAttempts: 3,
      window: '1h',
      backoff: '30s',
      jobs: [
        { name: 'orders-.*', jarId: 'a', maxAttempts: 5, window: '10m', backoff: '1s', args: [] },
        { name: 'orders-eu', jarId: 'b', args: [] },
        { name: '.*', jarId: 'c', args: [] },
      ],
    })))
    const m = new PolicyMatcher(config)
    assert.deepEqual({ ...m.match('orders-eu')!, policy: undefined }, { policy: undefined, index: 0, maxAttempts: 5, windowMs: 10 * MIN, backoffMs: 1 * S })
    // "orders-.*" must match the whole name, not a substring.
    const other = m.match('legacy-orders-x')!
    assert.equal(other.index, 2)
    assert.deepEqual([other.maxAttempts, other.windowMs, other.backoffMs], [3, 60 * MIN, 30 * S])
  })

  it('asks for a restart on FAILED, on CANCELED only when configured, never after an operator stop', () => {
    assert.equal(wantsRestart('FAILED', { restartUnexpectedCanceled: false, operatorStopped: false }), true)
    assert.equal(wantsRestart('CANCELED', { restartUnexpectedCanceled: false, operatorStopped: false }), false)
    assert.equal(wantsRestart('CANCELED', { restartUnexpectedCanceled: true, operatorStopped: false }), true)
    assert.equal(wantsRestart('FINISHED', { restartUnexpectedCanceled: true, operatorStopped: false }), false)
    assert.equal(wantsRestart('FAILED', { restartUnexpectedCanceled: true, operatorStopped: true }), false)
  })
})
