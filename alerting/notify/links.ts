/** Links in messages: log search for the job and time window, the Grafana job dashboard, the Flink web UI. */
import type { FlinkwatchConfig } from '../../src/config/schema.js'
import type { AlertEvent } from '../../src/model/alert.js'
import type { LinkBuilder } from '../channels/content.js'

const AROUND_MS = 15 * 60_000
const trim = (u: string): string => u.replace(/\/+$/, '')

export function linkBuilder(config: FlinkwatchConfig): LinkBuilder {
  const base = config.alerting.links.flinkwatchUrl ?? config.server.publicUrl
  const grafana = config.alerting.links.grafanaUrl
  const ui = new Map(config.clusters.map((c) => [c.id, (c as { webUiUrl?: string; url?: string }).webUiUrl ?? (c as { url?: string }).url ?? null]))
  return {
    logs(a: AlertEvent) {
      if (!base || !a.jobName) return null
      const q = new URLSearchParams({ cluster: a.cluster, job: a.jobName, from: String(a.startsAt - AROUND_MS), to: String((a.endsAt ?? a.startsAt) + AROUND_MS) })
      return `${trim(base)}/api/v1/logs/search?${q}`
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
      return base ? `${trim(base)}/api/v1/alerts?state=firing` : null
    },
  }
}
