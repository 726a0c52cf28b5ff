/** Slack incoming webhook: blocks (header + mrkdwn sections of at most 3,000 characters). */
import type { Clock } from '../../src/core/clock.js'
import type { ChannelConfig } from '../../src/config/sections/alerting.js'
import type { Channel } from './channel.js'
import { renderParts, type Markup } from './content.js'
import { baseChannel, httpResult, postJson } from './http.js'

type SlackConfig = Extract<ChannelConfig, { type: 'slack' }>

const SLACK: Markup = { bold: (s) => `*${s}*`, link: (t, u) => `<${u}|${t}>`, code: (s) => `\`${s.replaceAll('`', "'")}\``, bullet: '• ' }
/** msg_blocks_too_long is seen at about 13k characters in total. */
const MAX_TEXT_BYTES = 11_000
const SECTION_CHARS = 2900

function sections(text: string): string[] {
  const out: string[] = []
  let cur = ''
  for (const line of text.split('\n')) {
    if (cur && cur.length + line.length + 1 > SECTION_CHARS) {
      out.push(cur)
      cur = ''
    }
    cur = cur ? `${cur}\n${line.slice(0, SECTION_CHARS)}` : line.slice(0, SECTION_CHARS)
  }
  if (cur) out.push(cur)
  return out
}

export function slackChannel(c: SlackConfig, clock: Clock): Channel {
  return {
    ...baseChannel(c),
    render: (d) =>
      renderParts(d, SLACK, MAX_TEXT_BYTES, c.maxMessages).map((p) => ({
        payload: {
          text: p.title,
          blocks: [
            { type: 'header', text: { type: 'plain_text', text: p.title.slice(0, 150) } },
            ...sections(p.text).slice(0, 48).map((t) => ({ type: 'section', text: { type: 'mrkdwn', text: t } })),
          ],
        },
        itemIds: p.itemIds,
      })),
    async send(payload, signal) {
      return httpResult(await postJson(clock, c.url, payload, { timeout: c.timeout, signal }), clock.now())
    },
  }
}
