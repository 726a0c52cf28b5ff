import { Type, type StaticDecode, type TSchema } from '@sinclair/typebox'
import type { Severity as ModelSeverity } from '../../model/alert.js'
import { Duration, HttpUrl, Id, Regex, Strict } from '../types.js'
import { alertingOnCallKeys, routeOnCallKeys } from './oncall.js'

export const Severity = Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')], {
  errorMessage: 'must be one of critical, warning, info',
})
export type Severity = StaticDecode<typeof Severity>
// The model's Severity is this one: a schema that drifted from it would not compile.
const sameSeverity: [Severity, ModelSeverity] extends [ModelSeverity, Severity] ? true : never = true
void sameSeverity

export const Matchers = Strict({ cluster: Type.Optional(Regex()), job: Type.Optional(Regex()) }, { default: {} })

/** Rule parameters differ by kind; the engine validates them per kind. */
export const RuleConfig = Strict({
  name: Id(),
  /** Required for a new rule; optional when overriding a default rule (config/rules.yaml) by name. */
  kind: Type.Optional(Type.String({ minLength: 1 })),
  enabled: Type.Boolean({ default: true }),
  severity: Type.Optional(Severity),
  match: Type.Optional(Matchers),
  for: Type.Optional(Duration()),
  params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean()]))),
  annotation: Type.Optional(Type.String()),
})
export type RuleConfig = StaticDecode<typeof RuleConfig>

const RateLimit = Strict({
  perSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  perMinute: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
})

const channelCommon = {
  id: Id(),
  sendResolved: Type.Boolean({ default: true }),
  /** Defaults to the platform's published limit (Lark/Feishu 5/s and 100/min, DingTalk and WeCom 20/min, Slack 1/s). */
  rateLimit: Type.Optional(RateLimit),
  timeout: Duration({ default: '10s' }),
  /** A digest longer than one message is split into at most this many; the last says "... and N more jobs". */
  maxMessages: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
const chat = <T extends string, E extends Record<string, TSchema> = {}>(type: T, extra?: E) =>
  Strict({ ...channelCommon, type: Type.Literal(type), url: HttpUrl(), secret: Type.Optional(Type.String()), ...(extra ?? ({} as E)) })

export const ChannelConfig = Type.Union(
  [
    chat('lark'),
    chat('feishu'),
    chat('dingtalk', { atMobiles: Type.Array(Type.String(), { default: [] }), atAll: Type.Boolean({ default: false }) }),
    chat('wecom', { mentionedMobiles: Type.Array(Type.String(), { default: [] }) }),
    chat('slack'),
    chat('webhook', { headers: Type.Record(Type.String(), Type.String(), { default: {} }) }),
    Strict({
      ...channelCommon,
      type: Type.Literal('sms'),
      url: HttpUrl(),
      method: Type.Union([Type.Literal('POST'), Type.Literal('PUT'), Type.Literal('GET')], { default: 'POST' }),
      headers: Type.Record(Type.String(), Type.String(), { default: {} }),
      phones: Type.Array(Type.String(), { minItems: 1 }),
      /** Body template; {{phones}} {{phonesJson}} {{text}} {{textJson}} are substituted. */
      bodyTemplate: Type.String({ default: '{"phones":{{phonesJson}},"text":{{textJson}}}' }),
      maxLength: Type.Integer({ minimum: 16, default: 500 }),
    }),
  ],
  { discriminator: 'type' },
)
export type ChannelConfig = StaticDecode<typeof ChannelConfig>

export const RouteConfig = Strict({
  channels: Type.Array(Id(), { minItems: 1 }),
  severities: Type.Optional(Type.Array(Severity)),
  match: Type.Optional(Matchers),
  groupWait: Type.Optional(Duration({ description: "This route's alerting.groupWait (default: alerting.groupWait)." })),
  holdFirst: Type.Optional(Type.Boolean({ description: "This route's alerting.holdFirst (default: alerting.holdFirst)." })),
  /** Stop at the first matching route. */
  continue: Type.Boolean({ default: false }),
  ...routeOnCallKeys,
})
export type RouteConfig = StaticDecode<typeof RouteConfig>

export const AlertingConfig = Strict(
  {
    enabled: Type.Boolean({ default: true }),
    rulesFile: Type.String({ default: 'config/rules.yaml' }),
    rules: Type.Array(RuleConfig, { default: [] }),
    channels: Type.Array(ChannelConfig, { default: [] }),
    routes: Type.Array(RouteConfig, { default: [] }),
    groupWait: Duration({
      default: '1s',
      description:
        'Grouping window per route and channel. When a group has been quiet, its first transitions are sent at once; what arrives within groupWait after them becomes one digest, and while transitions keep coming the group sends at most one digest per groupWait. A whole groupWait without transitions makes it quiet again.',
    }),
    holdFirst: Type.Boolean({
      default: false,
      description:
        "Hold a quiet group's first transition for groupWait too, so everything within groupWait of it is one digest (Alertmanager's group_wait): fewer messages, but the first one is groupWait later.",
    }),
    repeatInterval: Duration({ default: '4h', description: 'Reminder while an incident keeps firing and nobody acknowledged it; routes may set their own.' }),
    evaluationInterval: Duration({ default: '5s' }),
    links: Strict(
      {
        grafanaUrl: Type.Optional(HttpUrl()),
        flinkwatchUrl: Type.Optional(HttpUrl()),
      },
      { default: {} },
    ),
    ...alertingOnCallKeys,
  },
  { default: {} },
)
export type AlertingConfig = StaticDecode<typeof AlertingConfig>
