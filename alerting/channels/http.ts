/**
 * The HTTP side every channel shares: one call over the shared HttpTransport with a timeout on the
 * injected clock (failures as SendResults), the JSON POST most platforms take, the two ways replies are judged, and the fields
 * every channel copies from its config.
 */
import type { Clock } from '../../src/core/clock.js'
import { deadline } from '../../src/core/http/cancel.js'
import { sharedTransport } from '../../src/core/http/json.js'
import type { ChannelConfig } from '../../src/config/sections/alerting.js'
import { classifyHttp, classifyPlatformCode, networkFailure, type HttpReply, type SendResult } from '../notify/result.js'
import { windowsFor, type Channel } from './channel.js'

export async function httpCall(
  clock: Clock,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<HttpReply | SendResult> {
  const d = deadline(clock, timeoutMs, signal)
  try {
    const res = await sharedTransport().request({ url, method: init.method ?? 'POST', headers: init.headers ?? { 'content-type': 'application/json' }, ...(init.body !== undefined ? { body: init.body } : {}) }, d.cancel)
    return { status: res.status, headers: res.headers, text: res.text }
  } catch (err) {
    if (err instanceof TypeError && /Invalid URL|Failed to parse URL/i.test(String((err as Error).message))) return { status: 'failure', reason: 'client', message: 'bad URL' }
    return networkFailure(err, d.timedOut())
  } finally {
    d.done()
  }
}

export function isReply(r: HttpReply | SendResult): r is HttpReply {
  return typeof (r as HttpReply).status === 'number'
}

/** What every channel takes from its config as is. */
export function baseChannel(c: ChannelConfig): Pick<Channel, 'id' | 'type' | 'sendResolved' | 'windows' | 'maxMessages'> {
  return { id: c.id, type: c.type, sendResolved: c.sendResolved, windows: windowsFor(c), maxMessages: c.maxMessages }
}

/** POSTs a JSON body with the channel's timeout (`timeout` in its config, in ms). */
export function postJson(clock: Clock, url: string, body: unknown, o: { timeout: number; headers?: Record<string, string>; signal?: AbortSignal | undefined }): Promise<HttpReply | SendResult> {
  return httpCall(clock, url, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...o.headers } }, o.timeout, o.signal)
}

/** A platform that answers HTTP 200 with `code`/`errcode` (Lark, DingTalk, WeCom). */
export function codedResult(platform: string, r: HttpReply | SendResult, now: number): SendResult {
  return isReply(r) ? classifyPlatformCode(platform, r, now) : r
}

/** A platform whose HTTP status is the answer (Slack, webhooks, SMS gateways). */
export function httpResult(r: HttpReply | SendResult, now: number): SendResult {
  return isReply(r) ? (classifyHttp(r, now) ?? { status: 'success' }) : r
}
