import { DashboardBuilder, DashboardCursorSync } from '@grafana/grafana-foundation-sdk/dashboard'
import { INSTANCES, METRICS as M } from './queries.js'
import { datasourceVariable, labelVariable, stat, timeseries } from './panels.js'

/** flinkwatch watching itself: is it scraped, how hard does it work, do its collectors fail. */
export function flinkwatchHealth(): DashboardBuilder {
  return new DashboardBuilder('flinkwatch health')
    .uid('flinkwatch-self')
    .tags(['flinkwatch'])
    .description("flinkwatch's own process, collectors and streams")
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(datasourceVariable())
    // flinkwatch_stream_messages_dropped_total is registered by every flinkwatch, clusters or not; "All" lists
    // the instances found (not .*), so `up` never counts other scrape targets.
    .withVariable(labelVariable('instance', 'Instance', `label_values(${M.streamDropped.name}, instance)`, { all: 'each' }))
    .withPanel(stat('Instances up', 'none', { expr: `sum(up{${INSTANCES}})` }))
    .withPanel(stat('Resident memory', 'bytes', { expr: `max(${M.rss.name}{${INSTANCES}})` }, { warn: 300e6, crit: 1e9 }))
    .withPanel(stat('Collector errors (1h)', 'none', { expr: `sum(increase(${M.collectorErrors.name}{${INSTANCES}}[1h]))` }, { warn: 1 }))
    .withPanel(timeseries('CPU', 'percentunit', [{ expr: `rate(${M.cpu.name}{${INSTANCES}}[$__rate_interval])`, legend: '{{instance}}' }], { span: 8 }))
    .withPanel(timeseries('Memory', 'bytes', [
      { expr: `${M.rss.name}{${INSTANCES}}`, legend: 'rss {{instance}}' },
      { expr: `${M.heapUsed.name}{${INSTANCES}}`, legend: 'heap {{instance}}' },
    ], { span: 8 }))
    .withPanel(timeseries('Event loop lag p99', 's', [{ expr: `${M.eventLoopLagP99.name}{${INSTANCES}}`, legend: '{{instance}}' }], { span: 8 }))
    .withPanel(timeseries('Collector poll duration p95', 's', [
      { expr: `histogram_quantile(0.95, sum by (cluster, le) (rate(${M.pollDuration.name}_bucket{${INSTANCES}}[$__rate_interval])))`, legend: '{{cluster}}' },
    ]))
    .withPanel(timeseries('Collector errors', 'reqps', [
      // The exporter pre-initialises every (cluster, reason) at 0, so this is a flat line, not "No data".
      { expr: `sum by (cluster, reason) (rate(${M.collectorErrors.name}{${INSTANCES}}[$__rate_interval]))`, legend: '{{cluster}} {{reason}}' },
    ]))
    .withPanel(timeseries('WebSocket messages dropped', 'short', [{ expr: `rate(${M.streamDropped.name}{${INSTANCES}}[$__rate_interval])`, legend: '{{instance}}' }]))
}
