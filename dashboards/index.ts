import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { checkpoints } from './checkpoints.js'
import { fleetOverview } from './fleet-overview.js'
import { flinkwatchHealth } from './flinkwatch-health.js'
import { jobDetail } from './job-detail.js'

export interface BuiltDashboard {
  /** File name without extension, also the dashboard uid. */
  name: string
  dashboard: Dashboard
}

/** Every dashboard flinkwatch ships, built. */
export function allDashboards(): BuiltDashboard[] {
  return [fleetOverview(), jobDetail(), checkpoints(), flinkwatchHealth()].map((b) => {
    const dashboard = b.build()
    return { name: dashboard.uid ?? dashboard.title ?? 'dashboard', dashboard }
  })
}

export interface PanelQuery {
  dashboard: string
  panel: string
  expr: string
}

/** Every PromQL expression of every panel (rows included), for tests and reviews. */
export function panelQueries(dashboards: readonly BuiltDashboard[] = allDashboards()): PanelQuery[] {
  const out: PanelQuery[] = []
  const visit = (dashboard: string, panel: unknown): void => {
    const p = panel as { title?: string; targets?: { expr?: unknown }[]; panels?: unknown[] }
    for (const t of p.targets ?? []) if (typeof t.expr === 'string') out.push({ dashboard, panel: p.title ?? '', expr: t.expr })
    for (const child of p.panels ?? []) visit(dashboard, child)
  }
  for (const d of dashboards) for (const p of d.dashboard.panels ?? []) visit(d.name, p)
  return out
}

/** The PromQL of every query variable (label_values(...) and friends). */
export function variableQueries(dashboards: readonly BuiltDashboard[] = allDashboards()): { dashboard: string; variable: string; query: string }[] {
  return dashboards.flatMap((d) =>
    (d.dashboard.templating?.list ?? []).filter((v) => v.type === 'query' && typeof v.query === 'string').map((v) => ({ dashboard: d.name, variable: v.name, query: v.query as string })),
  )
}
