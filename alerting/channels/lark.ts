/** Lark / Feishu custom bot: an interactive card, signed in the body (timestamp in seconds). */
import type { Clock } from '../../src/core/clock.js'
import type { ChannelConfig } from '../../src/config/sections/alerting.js'
import type { Channel } from './channel.js'
import { MARKDOWN, renderParts, type Part } from './content.js'
import { baseChannel, codedResult, postJson } from './http.js'
import { larkSign } from './sign.js'

type LarkConfig = Extract<ChannelConfig, { type: 'lark' | 'feishu' }>

/** Request body limit is 20 KB; the card envelope and signature take the rest. */
const MAX_TEXT_BYTES = 17_000

const TEMPLATE = { critical: 'red', warning: 'orange', info: 'blue' } as const

export function larkCard(p: Part): Record<string, unknown> {
  return {
    msg_type: 'interactive',
    card: {
      schema: '2.0',
      header: { title: { tag: 'plain_text', content: p.title }, template: p.severity ? TEMPLATE[p.severity] : 'green' },
      body: { elements: [{ tag: 'markdown', content: p.text }] },
    },
  }
}

export function larkChannel(c: LarkConfig, clock: Clock): Channel {
  return {
    ...baseChannel(c),
    render: (d) => renderParts(d, MARKDOWN, MAX_TEXT_BYTES, c.maxMessages).map((p) => ({ payload: larkCard(p), itemIds: p.itemIds })),
    async send(payload, signal) {
      const body: Record<string, unknown> = { ...payload }
      if (c.secret) {
        const ts = Math.floor(clock.now() / 1000)
        body['timestamp'] = String(ts)
        body['sign'] = larkSign(ts, c.secret)
      }
      return codedResult('lark', await postJson(clock, c.url, body, { timeout: c.timeout, signal }), clock.now())
    },
  }
}
