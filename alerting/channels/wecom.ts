/** WeCom group bot: markdown (4,096 bytes at most); the key is in the URL, no signature. */
import type { Clock } from '../../src/core/clock.js'
import { parseDuration } from '../../src/core/duration.js'
import type { ChannelConfig } from '../../src/config/sections/alerting.js'
import { classifyPlatformCode } from '../notify/result.js'
import { windowsFor, type Channel } from './channel.js'
import { MARKDOWN, renderParts } from './content.js'
import { httpCall, isReply } from './http.js'

type WeComConfig = Extract<ChannelConfig, { type: 'wecom' }>

export const WECOM_MAX_BYTES = 4096

export function wecomChannel(c: WeComConfig, clock: Clock): Channel {
  const timeoutMs = parseDuration(c.timeout)
  return {
    id: c.id,
    type: c.type,
    sendResolved: c.sendResolved,
    windows: windowsFor(c),
    render: (d) =>
      renderParts(d, MARKDOWN, WECOM_MAX_BYTES - 300, c.maxMessages).map((p) => ({
        payload: { msgtype: 'markdown', markdown: { content: `### ${p.title.slice(0, 200)}\n${p.text}`, ...(c.mentionedMobiles.length && p.severity ? { mentioned_mobile_list: c.mentionedMobiles } : {}) } },
        itemIds: p.itemIds,
      })),
    async send(payload, signal) {
      const r = await httpCall(clock, c.url, { body: JSON.stringify(payload), headers: { 'content-type': 'application/json' } }, timeoutMs, signal)
      return isReply(r) ? classifyPlatformCode('wecom', r, clock.now()) : r
    },
  }
}
