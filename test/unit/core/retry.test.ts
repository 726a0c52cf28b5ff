import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AppError, RetriesExceededError } from '../../../src/core/errors.js'
import { backoffDelay, retry } from '../../../src/core/retry.js'
import { FakeClock } from '../../helpers/fake-clock.js'

describe('retry', () => {
  it('retries retriable errors with exponential backoff on the injected clock', async () => {
    const clock = new FakeClock()
    const delays: number[] = []
    let calls = 0
    const p = retry(
      async () => {
        if (++calls < 4) throw new AppError('ERR_UPSTREAM', 'flaky')
        return 'ok'
      },
      { clock, random: () => 0.5, initialDelayMs: 100, multiplier: 2, jitter: 0.2, onRetry: (_e, _n, d) => delays.push(d) },
    )
    await clock.advance(10_000)
    assert.equal(await p, 'ok')
    assert.deepEqual(delays, [100, 200, 400])
  })

  it('never retries programmer errors or non-retriable errors', async () => {
    let calls = 0
    await assert.rejects(retry(async () => (calls++, null as unknown as { x: number }).x), TypeError)
    await assert.rejects(retry(async () => {
      calls++
      throw new AppError('ERR_CONFIG', 'bad', { retriable: false })
    }), /bad/)
    assert.equal(calls, 2)
  })

  it('gives up with RetriesExceededError carrying the cause', async () => {
    const clock = new FakeClock()
    const p = retry(async () => {
      throw new AppError('ERR_UPSTREAM', 'down')
    }, { clock, retries: 2, initialDelayMs: 10 })
    const check = assert.rejects(p, (err: unknown) => err instanceof RetriesExceededError && err.attempts === 3 && /down/.test(err.message))
    await clock.advance(1000)
    await check
  })

  it('bail stops at once with the given error', async () => {
    let calls = 0
    await assert.rejects(retry(async (bail) => {
      calls++
      bail(new Error('stop'))
    }), /stop/)
    assert.equal(calls, 1)
  })

  it('honours a delay hint such as Retry-After, capped by maxDelayMs', async () => {
    const clock = new FakeClock()
    const delays: number[] = []
    let calls = 0
    const p = retry(async () => {
      if (++calls < 3) throw new AppError('ERR_UPSTREAM', '429')
      return calls
    }, { clock, delayHint: () => 50_000, maxDelayMs: 20_000, onRetry: (_e, _n, d) => delays.push(d) })
    await clock.advance(60_000)
    assert.equal(await p, 3)
    assert.deepEqual(delays, [20_000, 20_000])
  })

  it('spreads delays by the jitter share and caps them', () => {
    const o = { initialDelayMs: 1000, maxDelayMs: 5000, multiplier: 2, jitter: 0.5 }
    assert.equal(backoffDelay(0, o, () => 0), 500)
    assert.equal(backoffDelay(0, o, () => 1), 1500)
    assert.equal(backoffDelay(10, o, () => 0.5), 5000)
  })
})
