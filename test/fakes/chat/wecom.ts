/**
 * Fake WeCom group bot: key in the URL, 20 messages a minute (errcode 45009), markdown ≤ 4,096
 * bytes, text ≤ 2,048 bytes. Like the real bot, only `text` messages @-mention
 * (`mentioned_mobile_list`); a markdown message carrying one is delivered without the mention.
 */
import { FakeReceiver, type Received, type Reply } from './receiver.js'

export class FakeWeComBot extends FakeReceiver {
  /** Mobiles @-mentioned by accepted text messages, in order. */
  readonly mentioned: string[] = []
  /** Accepted markdown messages that asked for mentions the platform ignores. */
  ignoredMentions = 0

  constructor(readonly key: string, now?: () => number) {
    super([{ limit: 20, ms: 60_000 }], now)
  }

  protected handle(r: Received): Reply {
    if (r.query.get('key') !== this.key) return this.fail(93000, 'invalid webhook url, hint: [1] from ip: 127.0.0.1')
    const b = r.json as { msgtype?: string; markdown?: { content?: string; mentioned_mobile_list?: unknown }; text?: { content?: string; mentioned_mobile_list?: string[] } } | undefined
    if (b?.msgtype === 'markdown' && Buffer.byteLength(b.markdown?.content ?? '') > 4096) return this.fail(40058, 'markdown.content exceed max length 4096')
    if (b?.msgtype === 'text' && Buffer.byteLength(b.text?.content ?? '') > 2048) return this.fail(40058, 'text.content exceed max length 2048')
    if (this.overLimit(r.at)) {
      this.throttled++
      return { status: 200, body: { errcode: 45009, errmsg: 'api freq out of limit' } }
    }
    this.delivered.push(r)
    if (b?.msgtype === 'text') this.mentioned.push(...(b.text?.mentioned_mobile_list ?? []))
    if (b?.msgtype === 'markdown' && b.markdown?.mentioned_mobile_list !== undefined) this.ignoredMentions++
    return { status: 200, body: { errcode: 0, errmsg: 'ok' } }
  }

  private fail(errcode: number, errmsg: string): Reply {
    this.rejected++
    return { status: 200, body: { errcode, errmsg } }
  }
}
