/** One interface per channel module: render a digest to platform messages, send one message. */
import type { ChannelConfig } from '../../src/config/sections/alerting.js'
import type { Window } from '../notify/limiter.js'
import type { SendResult } from '../notify/result.js'
import type { Digest } from './content.js'

export interface RenderedMessage {
  /** The platform body without time-dependent parts (signatures are added at send time). */
  payload: Record<string, unknown>
  /** Outbox items this message names (or counts, in "... and N more"). */
  itemIds: string[]
}

export interface Channel {
  readonly id: string
  readonly type: ChannelConfig['type']
  readonly sendResolved: boolean
  /** Rate limits for the per-channel limiter. */
  readonly windows: readonly Window[]
  /** A digest is split into at most this many messages (`maxMessages`). */
  readonly maxMessages: number
  render(digest: Digest): RenderedMessage[]
  /** One attempt; never throws for delivery problems (they are SendResults). */
  send(payload: Record<string, unknown>, signal?: AbortSignal): Promise<SendResult>
}

/** The platforms' published limits; `rateLimit` in the channel config overrides them. */
export const DEFAULT_LIMITS: Record<ChannelConfig['type'], { perSecond?: number; perMinute?: number }> = {
  lark: { perSecond: 5, perMinute: 100 },
  feishu: { perSecond: 5, perMinute: 100 },
  dingtalk: { perMinute: 20 },
  wecom: { perMinute: 20 },
  slack: { perSecond: 1 },
  webhook: { perSecond: 10 },
  sms: { perMinute: 10 },
}

export function windowsFor(c: ChannelConfig): Window[] {
  const l = { ...DEFAULT_LIMITS[c.type], ...c.rateLimit }
  const out: Window[] = []
  if (l.perSecond) out.push({ limit: l.perSecond, ms: 1000 })
  if (l.perMinute) out.push({ limit: l.perMinute, ms: 60_000 })
  return out
}
