/** Fake WeCom group bot: key in the URL, 20 messages a minute (errcode 45009), markdown ≤ 4,096 bytes. */
import { FakeReceiver, type Received, type Reply } from './receiver.js'

export class FakeWeComBot extends FakeReceiver {
  constructor(readonly key: string, now?: () => number) {
    super([{ limit: 20, ms: 60_000 }], now)
  }

  protected handle(r: Received): Reply {
    if (r.query.get('key') !== this.key) return this.fail(93000, 'invalid webhook url, hint: [1] from ip: 127.0.0.1')
    const b = r.json as { msgtype?: string; markdown?: { content?: string } } | undefined
    if (b?.msgtype === 'markdown' && Buffer.byteLength(b.markdown?.content ?? '') > 4096) return this.fail(40058, 'markdown.content exceed max length 4096')
    if (this.overLimit(r.at)) {
      this.throttled++
      return { status: 200, body: { errcode: 45009, errmsg: 'api freq out of limit' } }
    }
    this.delivered.push(r)
    return { status: 200, body: { errcode: 0, errmsg: 'ok' } }
  }

  private fail(errcode: number, errmsg: string): Reply {
    this.rejected++
    return { status: 200, body: { errcode, errmsg } }
  }
}
