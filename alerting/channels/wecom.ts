/**
 * WeCom group bot: markdown (4,096 bytes at most); the key is in the URL, no signature.
 * `mentioned_mobile_list` only works in `text` messages (markdown ignores it, and its `<@userid>`
 * needs user ids, not the mobiles configured here), so a firing digest is followed by one short
 * text message that @-mentions `mentionedMobiles`. It goes through the same queue and limiter,
 * right after the digest, and counts against the 20-a-minute limit like any message.
 */
import type { Clock } from '../../src/core/clock.js'
import type { ChannelConfig } from '../../src/config/sections/alerting.js'
import type { Channel, RenderedMessage } from './channel.js'
import { MARKDOWN, cut, renderParts } from './content.js'
import { baseChannel, codedResult, postJson } from './http.js'

type WeComConfig = Extract<ChannelConfig, { type: 'wecom' }>

export const WECOM_MAX_BYTES = 4096
/** text.content is limited to 2,048 bytes; the mention needs a line, not the digest again. */
const MENTION_TEXT_BYTES = 300

export function wecomChannel(c: WeComConfig, clock: Clock): Channel {
  return {
    ...baseChannel(c),
    render(d) {
      const parts = renderParts(d, MARKDOWN, WECOM_MAX_BYTES - 300, c.maxMessages)
      const out: RenderedMessage[] = parts.map((p) => ({ payload: { msgtype: 'markdown', markdown: { content: `### ${p.title.slice(0, 200)}\n${p.text}` } }, itemIds: p.itemIds }))
      const firing = parts.find((p) => p.severity !== null)
      if (c.mentionedMobiles.length > 0 && firing) {
        // Names no outbox item: the digest above carries them, and records them as sent.
        out.push({ payload: { msgtype: 'text', text: { content: cut(`${firing.title.replace(/ \(\d+\/\d+\)$/, '')}: see the message above`, MENTION_TEXT_BYTES), mentioned_mobile_list: c.mentionedMobiles } }, itemIds: [] })
      }
      return out
    },
    async send(payload, signal) {
      return codedResult('wecom', await postJson(clock, c.url, payload, { timeout: c.timeout, signal }), clock.now())
    },
  }
}
