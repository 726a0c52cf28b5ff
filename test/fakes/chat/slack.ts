/** Fake Slack incoming webhook: about 1 message a second, HTTP 429 with Retry-After beyond; `ok` on success. */
import { FakeReceiver, type Received, type Reply } from './receiver.js'

export class FakeSlackWebhook extends FakeReceiver {
  constructor(now?: () => number) {
    super([{ limit: 1, ms: 1000 }], now)
  }

  protected handle(r: Received): Reply {
    const b = r.json as { text?: string; blocks?: unknown[] } | undefined
    if (!b || (!b.text && !b.blocks)) return this.fail(400, 'invalid_payload')
    if ((b.blocks?.length ?? 0) > 50) return this.fail(400, 'invalid_blocks')
    if (this.overLimit(r.at)) {
      this.throttled++
      return { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } }
    }
    this.delivered.push(r)
    return { status: 200, body: 'ok' }
  }

  private fail(status: number, text: string): Reply {
    this.rejected++
    return { status, body: text }
  }
}
