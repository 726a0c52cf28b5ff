/**
 * Fake Lark/Feishu custom bot: checks the signature (HMAC-SHA256 keyed with timestamp + "\n" +
 * secret over an empty message, timestamp in seconds within ±1 h), the body size (20 KB) and the
 * bot limit (5/s and 100/min), answering as Lark does: HTTP 200 with a non-zero code.
 */
import { createHmac } from 'node:crypto'
import { FakeReceiver, type Received, type Reply } from './receiver.js'

export class FakeLarkBot extends FakeReceiver {
  constructor(readonly secret: string | null, now?: () => number, limits = [{ limit: 5, ms: 1000 }, { limit: 100, ms: 60_000 }]) {
    super(limits, now)
  }

  protected handle(r: Received): Reply {
    const b = r.json as { timestamp?: string; sign?: string; msg_type?: string; card?: unknown } | undefined
    if (!b || typeof b !== 'object') return this.fail(9499, 'Bad Request')
    if (Buffer.byteLength(r.body) > 20 * 1024) return this.fail(9499, 'request body too large')
    if (this.secret !== null) {
      const ts = Number(b.timestamp)
      if (!Number.isFinite(ts) || Math.abs(this.now() / 1000 - ts) > 3600) return this.fail(19021, 'sign match fail or timestamp is not within one hour from current time')
      const expected = createHmac('sha256', `${ts}\n${this.secret}`).update('').digest('base64')
      if (b.sign !== expected) return this.fail(19021, 'sign match fail or timestamp is not within one hour from current time')
    }
    if (!b.msg_type) return this.fail(9499, 'Bad Request')
    if (this.overLimit(r.at)) {
      this.throttled++
      return { status: 200, body: { code: 11232, data: {}, msg: 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1]' } }
    }
    this.delivered.push(r)
    return { status: 200, body: { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' } }
  }

  private fail(code: number, msg: string): Reply {
    this.rejected++
    return { status: 200, body: { code, data: {}, msg } }
  }
}
