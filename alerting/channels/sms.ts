/**
 * SMS through an HTTP gateway (Aliyun, Tencent Cloud, in-house): URL, method, headers and a body
 * template with {{phones}} {{phonesJson}} {{text}} {{textJson}}; GET puts them URL-encoded in the URL.
 */
import type { Clock } from '../../src/core/clock.js'
import type { ChannelConfig } from '../../src/config/sections/alerting.js'
import type { Channel } from './channel.js'
import { PLAIN, renderParts } from './content.js'
import { baseChannel, httpCall, httpResult } from './http.js'

type SmsConfig = Extract<ChannelConfig, { type: 'sms' }>

export function fillTemplate(template: string, phones: readonly string[], text: string, encode: (s: string) => string = (s) => s): string {
  const vars: Record<string, string> = { phones: phones.join(','), phonesJson: JSON.stringify(phones), text, textJson: JSON.stringify(text) }
  return template.replace(/\{\{\s*(phones|phonesJson|text|textJson)\s*\}\}/g, (_, k: string) => encode(vars[k]!))
}

export function smsChannel(c: SmsConfig, clock: Clock): Channel {
  const timeoutMs = c.timeout
  return {
    ...baseChannel(c),
    render(d) {
      // SMS has no room for links or details: a title and the names, within maxLength.
      const plain = { ...d, causeDetail: 'class' as const, links: { job: () => null, logs: () => null, dashboard: () => null, flinkUi: () => null, alerts: d.links.alerts } }
      return renderParts(plain, PLAIN, Math.max(16, c.maxLength - 80), c.maxMessages).map((p) => {
        const text = `${p.title}\n${p.text}`.slice(0, c.maxLength)
        return { payload: { text }, itemIds: p.itemIds }
      })
    },
    async send(payload, signal) {
      const text = String(payload['text'])
      const get = c.method === 'GET'
      const url = get ? fillTemplate(c.url, c.phones, text, encodeURIComponent) : c.url
      const r = await httpCall(clock, url, { method: c.method, headers: { 'content-type': 'application/json', ...c.headers }, ...(get ? {} : { body: fillTemplate(c.bodyTemplate, c.phones, text) }) }, timeoutMs, signal)
      return httpResult(r, clock.now())
    },
  }
}
