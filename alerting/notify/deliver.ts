/**
 * Queue and deliver stages for one channel: a serial queue (p-queue, concurrency 1) so messages go
 * out one at a time in order, each attempt paced by the channel's limiter, retried with the one
 * `retry()` (exponential backoff, jitter, Retry-After honoured). A permanent failure marks the
 * channel unhealthy and the message failed (the incident stays in the API); transient failures
 * that outlast the retries put the message back for a later round, so it is never dropped. A message
 * not due yet (`notBefore`) waits on a timer outside the queue, so it never holds up the messages
 * behind it.
 */
import PQueue from 'p-queue'
import type { Clock, TimerHandle } from '../../src/core/clock.js'
import { AppError, RetriesExceededError, errorMessage } from '../../src/core/errors.js'
import { onChange, type Logger } from '../../src/core/logger.js'
import { retry, type RetryOptions } from '../../src/core/retry.js'
import type { Fence } from '../../src/ha/fence.js'
import type { Channel } from '../channels/channel.js'
import { SlidingLimiter } from './limiter.js'
import type { NotifyMetrics } from './metrics.js'
import type { Outbox, OutboxMessage } from './outbox.js'
import type { SendResult } from './result.js'

export interface ChannelHealth {
  healthy: boolean
  detail: string
  lastSuccessAt: number | null
}

export interface DeliveryOptions {
  retry: Pick<RetryOptions, 'retries' | 'initialDelayMs' | 'maxDelayMs' | 'multiplier' | 'jitter'>
  /** After the retries are exhausted, the message is tried again this much later. */
  requeueAfterMs: number
  random?: () => number
}

/** The channel's lease went elsewhere between the claim and the send. */
class LeaseLost extends Error {}

class SendFailed extends AppError {
  constructor(readonly result: Exclude<SendResult, { status: 'success' }>) {
    super('ERR_UPSTREAM', result.message, { retriable: result.status === 'retryable' })
  }
}

export class ChannelWorker {
  readonly queue = new PQueue({ concurrency: 1 })
  readonly limiter: SlidingLimiter
  readonly health: ChannelHealth = { healthy: true, detail: 'no message sent yet', lastSuccessAt: null }
  private readonly queued = new Set<string>()
  /** Messages waiting for their notBefore, outside the queue. */
  private readonly delayed = new Map<string, TimerHandle>()
  private readonly logOnce = onChange()
  /** HA: aborted when the channel's lease goes elsewhere; ends backoff and limiter waits (never a request under way). */
  private lease = new AbortController()

  constructor(
    readonly channel: Channel,
    private readonly d: {
      outbox: Outbox
      clock: Clock
      logger: Logger
      metrics: NotifyMetrics
      instanceId: string
      signal: AbortSignal
      options: DeliveryOptions
      /** HA: whether this instance holds the channel's lease now (checked before the claim and before every send). */
      mayDeliver?: () => boolean
      /** HA: the channel lease this instance holds now; every message write of a delivery is stamped with its epoch. */
      fence?: () => Fence | undefined
      onDelivered(m: OutboxMessage, at: number): Promise<void>
      onFailed(m: OutboxMessage, reason: string): Promise<void>
    },
  ) {
    this.limiter = new SlidingLimiter(channel.windows, d.clock)
    d.signal.addEventListener('abort', () => {
      for (const t of this.delayed.values()) d.clock.clearTimeout(t)
      this.delayed.clear()
    }, { once: true })
  }

  /**
   * HA: the lease went elsewhere. Waiting messages are dropped from the queue (they stay in the outbox), a
   * message waiting for a retry or a limiter slot goes back to pending, a request under way finishes and is
   * recorded; resolves when nothing of this channel is in flight here any more (bounded by `maxWaitMs`).
   */
  async revoke(maxWaitMs: number): Promise<void> {
    this.queue.clear()
    for (const t of this.delayed.values()) this.d.clock.clearTimeout(t)
    this.delayed.clear()
    this.lease.abort(new LeaseLost())
    let giveUp: TimerHandle | null = null
    await Promise.race([this.queue.onIdle(), new Promise<void>((r) => (giveUp = this.d.clock.setTimeout(r, maxWaitMs)))])
    if (giveUp) this.d.clock.clearTimeout(giveUp)
    this.lease = new AbortController()
  }

  get depth(): number {
    return this.queue.size + this.queue.pending + this.delayed.size
  }

  /** Enqueues the message when it is due; until then it takes no place in the queue. */
  private later(messageId: string, ms: number, recovering = false): void {
    if (this.delayed.has(messageId) || this.d.signal.aborted) return
    this.delayed.set(
      messageId,
      this.d.clock.setTimeout(() => {
        this.delayed.delete(messageId)
        this.enqueue(messageId, recovering)
      }, ms),
    )
  }

  enqueue(messageId: string, recovering = false): void {
    if (this.queued.has(messageId) || this.d.signal.aborted) return
    this.queued.add(messageId)
    void this.queue.add(async () => {
      try {
        await this.deliver(messageId, recovering)
      } catch (err) {
        if (!this.d.signal.aborted) this.d.logger.error({ err, channel: this.channel.id, message: messageId }, 'delivering a message failed unexpectedly; it stays in the outbox')
      } finally {
        this.queued.delete(messageId)
      }
    })
  }

  private async deliver(id: string, recovering: boolean): Promise<void> {
    const doc = await this.d.outbox.getMessage(id)
    if (!doc) return
    if (this.d.mayDeliver && !this.d.mayDeliver()) return
    let m = doc.message
    const signal = AbortSignal.any([this.d.signal, this.lease.signal])
    // A message someone else is sending is theirs; after a restart the previous process is gone.
    if (m.state === 'sent' || m.state === 'failed' || (m.state === 'sending' && m.claimedBy === this.d.instanceId && !recovering)) return
    const wait = m.notBefore === null ? 0 : m.notBefore - this.d.clock.now()
    if (wait > 0) return this.later(id, wait, recovering)
    // The epoch this delivery runs under, taken once: a renewal keeps it, a takeover by another instance does not.
    const fence = this.d.fence?.()
    if (this.d.fence && !fence) return
    const claimed = await this.d.outbox.casMessage({ ...m, state: 'sending', claimedBy: this.d.instanceId, notBefore: null }, doc.version, fence)
    if (!claimed) return
    m = claimed.message
    const version = claimed.version
    const ch = this.channel
    try {
      await retry(
        async (bail) => {
          await this.limiter.acquire(signal)
          if (this.d.mayDeliver && !this.d.mayDeliver()) bail(new LeaseLost())
          m.attempts++
          let r: SendResult
          try {
            // Not given the abort signal: a request under way finishes, so it is not sent twice.
            r = await ch.send(m.payload)
          } finally {
            this.limiter.record()
          }
          if (r.status === 'success') return
          this.d.metrics.attempt(ch.id, r.status === 'failure' ? 'failure' : r.reason === 'throttled' ? 'throttled' : 'retry')
          if (r.status === 'failure') bail(new SendFailed(r))
          throw new SendFailed(r)
        },
        {
          ...this.d.options.retry,
          clock: this.d.clock,
          signal,
          ...(this.d.options.random ? { random: this.d.options.random } : {}),
          delayHint: (err) => {
            if (!(err instanceof SendFailed) || err.result.status !== 'retryable') return undefined
            if (err.result.retryAfterMs !== undefined) return err.result.retryAfterMs
            return undefined
          },
          onRetry: (err, attempt, delayMs) =>
            this.logOnce(ch.id, errorMessage(err), () => this.d.logger.warn({ channel: ch.id, attempt, delayMs }, `channel ${ch.id}: ${errorMessage(err)}; retrying`)),
        },
      )
    } catch (err) {
      if (err instanceof LeaseLost || (!this.d.signal.aborted && signal.aborted)) {
        // Not sent: back to pending for the channel's new holder.
        await this.d.outbox.casMessage({ ...m, state: 'pending', claimedBy: null }, version, fence)
        return
      }
      if (this.d.signal.aborted) return
      if (err instanceof SendFailed && err.result.status === 'failure') {
        this.health.healthy = false
        this.health.detail = `${err.result.reason}: ${err.result.message}`
        this.d.logger.error({ channel: ch.id, message: id }, `channel ${ch.id} failed permanently (${err.result.message}); fix its configuration. The incidents stay visible in /api/v1/alerts`)
        const failed = await this.d.outbox.casMessage({ ...m, state: 'failed', lastError: err.result.message }, version, fence)
        if (failed) await this.d.onFailed(failed.message, err.result.message)
        return
      }
      const message = err instanceof RetriesExceededError ? errorMessage(err.cause) : errorMessage(err)
      this.d.metrics.attempt(ch.id, 'gave_up')
      this.health.detail = `retrying later: ${message}`
      const back = await this.d.outbox.casMessage({ ...m, state: 'pending', claimedBy: null, lastError: message, notBefore: this.d.clock.now() + this.d.options.requeueAfterMs }, version, fence)
      if (back) this.later(id, this.d.options.requeueAfterMs)
      return
    }
    const at = this.d.clock.now()
    this.d.metrics.attempt(ch.id, 'success')
    this.health.healthy = true
    this.health.detail = 'delivering'
    this.health.lastSuccessAt = at
    const sent = await this.d.outbox.casMessage({ ...m, state: 'sent', sentAt: at, lastError: null }, version, fence)
    if (sent) await this.d.onDelivered(sent.message, at)
  }
}
