/**
 * Links in messages: the console's job page and its log search around the failure (server.publicUrl, or
 * alerting.links.flinkwatchUrl), the Grafana job dashboard, the Flink web UI.
 */
import type { FlinkwatchConfig } from '../../src/config/schema.js'
import type { AlertEvent } from '../../src/model/alert.js'
import type { LinkBuilder } from '../channels/content.js'

const AROUND_MS = 15 * 60_000
/** The console's log search opens on the failure: from 10 minutes before it to 5 minutes after. */
export const LOGS_BEFORE_MS = 10 * 60_000
export const LOGS_AFTER_MS = 5 * 60_000
const trim = (u: string): string => u.replace(/\/+$/, '')

export function linkBuilder(config: FlinkwatchConfig): LinkBuilder {
  const base = config.alerting.links.flinkwatchUrl ?? config.server.publicUrl
  const grafana = config.alerting.links.grafanaUrl
  const ui = new Map(config.clusters.map((c) => [c.id, (c as { webUiUrl?: string; url?: string }).webUiUrl ?? (c as { url?: string }).url ?? null]))
  return {
    job(a: AlertEvent) {
      if (!base || !a.jobId) return null
      return `${trim(base)}/jobs/${encodeURIComponent(a.cluster)}/${encodeURIComponent(a.jobId)}`
    },
    logs(a: AlertEvent) {
      const job = a.jobId ?? a.jobName
      if (!base || !job) return null
      // The failure is when the condition was first seen (a rule's `for` delays startsAt).
      const at = a.detectedAt ?? a.startsAt
      const q = new URLSearchParams({ cluster: a.cluster, job, from: new Date(at - LOGS_BEFORE_MS).toISOString(), to: new Date(at + LOGS_AFTER_MS).toISOString() })
      return `${trim(base)}/logs?${q}`
    },
    dashboard(a: AlertEvent) {
      if (!grafana) return null
      const q = new URLSearchParams({ 'var-cluster': a.cluster, ...(a.jobName ? { 'var-job': a.jobName } : {}), from: String(a.startsAt - AROUND_MS), to: a.endsAt ? String(a.endsAt + AROUND_MS) : 'now' })
      return `${trim(grafana)}/d/${a.jobName ? 'flinkwatch-job' : 'flinkwatch-fleet'}?${q}`
    },
    flinkUi(a: AlertEvent) {
      const u = ui.get(a.cluster)
      if (!u) return null
      if (!a.jobId) return `${trim(u)}/#/overview`
      const where = a.rule === 'job-failed' || a.rule === 'job-not-running' ? 'completed' : 'running'
      return `${trim(u)}/#/job/${where}/${a.jobId}/overview`
    },
    alerts() {
      return base ? `${trim(base)}/alerts?state=firing` : null
    },
  }
}
