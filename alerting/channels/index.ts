/** Channel modules by type: the one list to read when adding a platform. */
import type { Clock } from '../../src/core/clock.js'
import type { ChannelConfig } from '../../src/config/sections/alerting.js'
import type { Channel } from './channel.js'
import { dingtalkChannel } from './dingtalk.js'
import { larkChannel } from './lark.js'
import { slackChannel } from './slack.js'
import { smsChannel } from './sms.js'
import { webhookChannel } from './webhook.js'
import { wecomChannel } from './wecom.js'

export function createChannel(c: ChannelConfig, clock: Clock): Channel {
  switch (c.type) {
    case 'lark':
    case 'feishu':
      return larkChannel(c, clock)
    case 'dingtalk':
      return dingtalkChannel(c, clock)
    case 'wecom':
      return wecomChannel(c, clock)
    case 'slack':
      return slackChannel(c, clock)
    case 'webhook':
      return webhookChannel(c, clock)
    case 'sms':
      return smsChannel(c, clock)
  }
}
