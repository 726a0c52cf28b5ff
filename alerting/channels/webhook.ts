/** Generic webhook in Alertmanager's webhook v4 format, so existing receivers work unchanged. */
import type { Clock } from '../../src/core/clock.js'
import type { ChannelConfig } from '../../src/config/sections/alerting.js'
import type { Channel } from './channel.js'
import type { Digest, DigestEntry } from './content.js'
import { baseChannel, httpResult, postJson } from './http.js'
import { causeAnnotations } from './cause-annotations.js'

type WebhookConfig = Extract<ChannelConfig, { type: 'webhook' }>

const iso = (t: number | null): string => (t === null ? '0001-01-01T00:00:00Z' : new Date(t).toISOString())

function amAlert(e: DigestEntry, d: Digest): Record<string, unknown> {
  const a = e.alert
  const resolved = e.kind === 'resolved'
  const ack = !resolved && e.kind !== 'announce' && !a.acknowledgedBy ? (d.links.ack?.(a) ?? null) : null
  const step = e.kind === 'escalation' ? a.escalations?.[a.escalations.length - 1] : undefined
  // As in chat messages: the cause's evidence links stand in when the builder has none.
  const jobUrl = d.links.job?.(a) ?? a.cause?.evidence.links.job ?? null
  const logsUrl = d.links.logs(a) ?? a.cause?.evidence.links.logs ?? null
  return {
    status: resolved ? 'resolved' : 'firing',
    labels: { ...a.labels },
    annotations: {
      summary: a.summary,
      ...(e.kind === 'reminder' ? { reminder: 'true' } : {}),
      ...Object.fromEntries(Object.entries(a.figures).filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)])),
      ...(jobUrl ? { job_url: jobUrl } : {}),
      ...(logsUrl ? { logs_url: logsUrl } : {}),
      ...(d.links.dashboard(a) ? { dashboard_url: d.links.dashboard(a)! } : {}),
      ...(ack ? { ack_url: ack } : {}),
      ...(step ? { escalation_level: String(step.level + 1), escalated_from: step.from.join(',') } : {}),
      ...causeAnnotations(a),
    },
    startsAt: iso(a.startsAt),
    endsAt: iso(resolved ? a.endsAt : null),
    generatorURL: d.links.flinkUi(a) ?? d.links.alerts() ?? '',
    fingerprint: a.id.split('-')[0],
  }
}

function common(maps: Record<string, string>[]): Record<string, string> {
  if (maps.length === 0) return {}
  return Object.fromEntries(Object.entries(maps[0]!).filter(([k, v]) => maps.every((m) => m[k] === v)))
}

export function webhookChannel(c: WebhookConfig, clock: Clock): Channel {
  return {
    ...baseChannel(c),
    render(d) {
      // Receivers get every alert: the digest is split evenly over at most maxMessages calls.
      const size = Math.max(1, Math.ceil(d.entries.length / Math.max(1, Math.min(c.maxMessages, d.maxParts ?? c.maxMessages))))
      const out = []
      for (let i = 0; i < d.entries.length; i += size) {
        const es = d.entries.slice(i, i + size)
        const alerts = es.map((e) => amAlert(e, d))
        const labels = es.map((e) => e.alert.labels)
        out.push({
          payload: {
            version: '4',
            groupKey: `{}:{channel="${c.id}"}`,
            truncatedAlerts: 0,
            status: es.some((e) => e.kind !== 'resolved') ? 'firing' : 'resolved',
            receiver: c.id,
            groupLabels: {},
            commonLabels: common(labels),
            commonAnnotations: common(alerts.map((a) => a['annotations'] as Record<string, string>)),
            externalURL: d.links.alerts() ?? '',
            alerts,
          },
          itemIds: es.map((e) => e.itemId),
        })
      }
      return out
    },
    async send(payload, signal) {
      return httpResult(await postJson(clock, c.url, payload, { timeout: c.timeout, headers: c.headers, signal }), clock.now())
    },
  }
}
