/** Small builders shared by the dashboards, so each dashboard file reads as a list of panels. */
import { LegendDisplayMode, LegendPlacement, ReduceDataOptionsBuilder, VizLegendOptionsBuilder, BigValueGraphMode } from '@grafana/grafana-foundation-sdk/common'
import {
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type DataSourceRef,
} from '@grafana/grafana-foundation-sdk/dashboard'
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus'
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat'
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table'
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries'

/** The provisioned Prometheus datasource (dashboards/provisioning.ts); dashboards select it through $datasource. */
export const DATASOURCE_UID = 'flinkwatch-prometheus'
export const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' }

export interface Target {
  expr: string
  legend?: string
  /** Instant query (stat, table) instead of a range. */
  instant?: boolean
}

function queries(targets: readonly Target[]): DataqueryBuilder[] {
  return targets.map((t, i) => {
    const q = new DataqueryBuilder()
      .refId(String.fromCharCode(65 + i))
      .datasource(DATASOURCE)
      .expr(t.expr)
      .legendFormat(t.legend ?? '__auto')
    return t.instant ? q.instant() : q.range()
  })
}

export function timeseries(title: string, unit: string, targets: readonly Target[], opts: { description?: string; span?: number } = {}): TimeseriesPanel {
  const p = new TimeseriesPanel()
    .title(title)
    .datasource(DATASOURCE)
    .unit(unit)
    .span(opts.span ?? 12)
    .height(8)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom))
    .targets(queries(targets))
  return opts.description ? p.description(opts.description) : p
}

export function stat(title: string, unit: string, target: Target, opts: { description?: string; span?: number; warn?: number; crit?: number } = {}): StatPanel {
  const steps = [{ value: null, color: 'green' }]
  if (opts.warn !== undefined) steps.push({ value: opts.warn as never, color: 'orange' })
  if (opts.crit !== undefined) steps.push({ value: opts.crit as never, color: 'red' })
  const p = new StatPanel()
    .title(title)
    .datasource(DATASOURCE)
    .unit(unit)
    .span(opts.span ?? 4)
    .height(4)
    .graphMode(BigValueGraphMode.None)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps))
    .targets(queries([{ ...target, instant: true }]))
  return opts.description ? p.description(opts.description) : p
}

export function table(title: string, unit: string, targets: readonly Target[], opts: { description?: string; span?: number } = {}): TablePanel {
  const p = new TablePanel()
    .title(title)
    .datasource(DATASOURCE)
    .unit(unit)
    .span(opts.span ?? 24)
    .height(8)
    .targets(queries(targets.map((t) => ({ ...t, instant: true }))))
    .withTransformation({ id: 'merge', options: {} })
  return opts.description ? p.description(opts.description) : p
}

export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus').current({ text: 'Prometheus', value: DATASOURCE_UID })
}

/**
 * A variable filled from label values of a metric. `all: true` adds an "All" option matching every value
 * (`.*`); `all: 'each'` an "All" option that matches exactly the values found.
 */
export function labelVariable(name: string, label: string, query: string, opts: { all?: boolean | 'each' } = {}): QueryVariableBuilder {
  const v = new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
  if (!opts.all) return v
  v.multi(true).includeAll(true)
  return opts.all === true ? v.allValue('.*') : v
}
