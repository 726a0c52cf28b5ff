/** DingTalk custom robot: markdown, signed in the query string (timestamp in ms), @mobiles. */
import type { Clock } from '../../src/core/clock.js'
import type { ChannelConfig } from '../../src/config/sections/alerting.js'
import type { Channel } from './channel.js'
import { MARKDOWN, renderParts } from './content.js'
import { baseChannel, codedResult, postJson } from './http.js'
import { dingtalkSign } from './sign.js'

type DingTalkConfig = Extract<ChannelConfig, { type: 'dingtalk' }>

/** "message too long, exceed 20000 bytes". */
const MAX_TEXT_BYTES = 18_000

export function dingtalkChannel(c: DingTalkConfig, clock: Clock): Channel {
  // DingTalk only notifies the people whose @mobile also appears in the text.
  const mentions = c.atMobiles.map((m) => `@${m}`).join(' ')
  return {
    ...baseChannel(c),
    render: (d) =>
      renderParts(d, MARKDOWN, MAX_TEXT_BYTES - Buffer.byteLength(mentions) - 4, c.maxMessages).map((p) => ({
        payload: {
          msgtype: 'markdown',
          markdown: { title: p.title, text: `### ${p.title}\n\n${p.text}${mentions && p.severity ? `\n\n${mentions}` : ''}` },
          at: { atMobiles: p.severity ? c.atMobiles : [], isAtAll: c.atAll && p.severity === 'critical' },
        },
        itemIds: p.itemIds,
      })),
    async send(payload, signal) {
      let url = c.url
      if (c.secret) {
        const ts = clock.now()
        const u = new URL(c.url)
        u.searchParams.set('timestamp', String(ts))
        u.searchParams.set('sign', dingtalkSign(ts, c.secret))
        url = u.toString()
      }
      return codedResult('dingtalk', await postJson(clock, url, payload, { timeout: c.timeout, signal }), clock.now())
    },
  }
}
