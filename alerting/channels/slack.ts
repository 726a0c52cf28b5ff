/** Slack incoming webhook: blocks (header + mrkdwn sections of at most 3,000 characters). */
import type { Clock } from '../../src/core/clock.js'
import { parseDuration } from '../../src/core/duration.js'
import type { ChannelConfig } from '../../src/config/sections/alerting.js'
import { classifyHttp } from '../notify/result.js'
import { windowsFor, type Channel } from './channel.js'
import { renderParts, type Markup } from './content.js'
import { httpCall, isReply } from './http.js'

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
  const timeoutMs = parseDuration(c.timeout)
  return {
    id: c.id,
    type: c.type,
    sendResolved: c.sendResolved,
    windows: windowsFor(c),
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
      const r = await httpCall(clock, c.url, { body: JSON.stringify(payload), headers: { 'content-type': 'application/json' } }, timeoutMs, signal)
      if (!isReply(r)) return r
      return classifyHttp(r, clock.now()) ?? { status: 'success' }
    },
  }
}
