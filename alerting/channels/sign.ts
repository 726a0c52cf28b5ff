/** The platforms' webhook signatures (alerting-and-scaling.md B2). */
import { createHmac } from 'node:crypto'

/** Lark/Feishu: HMAC-SHA256 keyed with `timestamp + "\n" + secret` over an empty message, base64; timestamp in seconds. */
export function larkSign(timestampSec: number, secret: string): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64')
}

/** DingTalk: HMAC-SHA256 keyed with the secret over `timestamp + "\n" + secret`, base64 (URL-encode it in the query); timestamp in ms. */
export function dingtalkSign(timestampMs: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64')
}
