/**
 * Fake DingTalk custom robot: signature in the query (HMAC-SHA256 keyed with the secret over
 * timestamp + "\n" + secret, ms), 20 messages a minute, errcode 130101 beyond, 20,000 bytes.
 */
import { createHmac } from 'node:crypto'
import { FakeReceiver, type Received, type Reply } from './receiver.js'

export class FakeDingTalkBot extends FakeReceiver {
  constructor(readonly secret: string | null, now?: () => number, readonly keyword: string | null = null) {
    super([{ limit: 20, ms: 60_000 }], now)
  }

  protected handle(r: Received): Reply {
    if (this.secret !== null) {
      const ts = Number(r.query.get('timestamp'))
      const expected = createHmac('sha256', this.secret).update(`${ts}\n${this.secret}`).digest('base64')
      // URLSearchParams already decoded the URL-encoded signature.
      if (!Number.isFinite(ts) || Math.abs(this.now() - ts) > 3_600_000 || r.query.get('sign') !== expected) return this.fail(310000, 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]')
    }
    if (Buffer.byteLength(r.body) > 20_000) return this.fail(460101, 'message too long, exceed 20000 bytes')
    if (this.keyword !== null && !r.body.includes(this.keyword)) return this.fail(310000, 'keywords not in content')
    if (this.overLimit(r.at)) {
      this.throttled++
      return { status: 200, body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } }
    }
    this.delivered.push(r)
    return { status: 200, body: { errcode: 0, errmsg: 'ok' } }
  }

  private fail(errcode: number, errmsg: string): Reply {
    this.rejected++
    return { status: 200, body: { errcode, errmsg } }
  }
}
