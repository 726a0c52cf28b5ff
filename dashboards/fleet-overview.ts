import { DashboardBuilder, DashboardCursorSync, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { CLUSTERS, METRICS as M, growth } from './queries.js'
import { datasourceVariable, labelVariable, stat, table, timeseries } from './panels.js'

/** Every cluster and job at a glance: what is down, failing, lagging or backpressured. */
export function fleetOverview(): DashboardBuilder {
  return new DashboardBuilder('Flink fleet overview')
    .uid('flinkwatch-fleet')
    .tags(['flinkwatch', 'flink'])
    .description('Clusters and jobs flinkwatch watches')
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(datasourceVariable())
    .withVariable(labelVariable('cluster', 'Cluster', `label_values(${M.clusterUp.name}, cluster)`, { all: true }))
    .withRow(new RowBuilder('Now'))
    .withPanel(stat('Clusters up', 'none', { expr: `sum(${M.clusterUp.name}{${CLUSTERS}})` }))
    .withPanel(stat('Clusters down', 'none', { expr: `count(${M.clusterUp.name}{${CLUSTERS}} == 0) or vector(0)` }, { crit: 1 }))
    .withPanel(stat('Jobs running', 'none', { expr: `sum(${M.jobState.name}{${CLUSTERS},state="RUNNING"}) or vector(0)` }))
    .withPanel(stat('Jobs failing or restarting', 'none', { expr: `sum(${M.jobState.name}{${CLUSTERS},state=~"FAILING|FAILED|RESTARTING"}) or vector(0)` }, { crit: 1 }))
    .withPanel(stat('Restarts (1h)', 'none', { expr: `sum(${growth(`${M.jobRestarts.name}{${CLUSTERS}}`, '1h')})` }, { warn: 1, crit: 5 }))
    .withPanel(stat('Oldest checkpoint', 's', { expr: `max(${M.checkpointAge.name}{${CLUSTERS}})` }, { warn: 600, crit: 1800 }))
    .withPanel(table('Clusters', 'none', [
      { expr: `${M.clusterUp.name}{${CLUSTERS}}`, legend: 'up' },
      { expr: `${M.clusterTaskManagers.name}{${CLUSTERS}}`, legend: 'TaskManagers' },
      { expr: `${M.clusterSlots.name}{${CLUSTERS}}`, legend: 'slots' },
      { expr: `${M.clusterSlotsAvailable.name}{${CLUSTERS}}`, legend: 'free slots' },
    ]))
    .withRow(new RowBuilder('Trends'))
    .withPanel(timeseries('Jobs by state', 'none', [{ expr: `sum by (state) (${M.jobState.name}{${CLUSTERS}} == 1)`, legend: '{{state}}' }]))
    .withPanel(timeseries('Restarts per job (1h)', 'none', [{ expr: `max by (cluster, job_name) ${growth(`${M.jobRestarts.name}{${CLUSTERS}}`, '1h')}`, legend: '{{cluster}} / {{job_name}}' }]))
    .withPanel(timeseries('Free slots', 'none', [{ expr: `${M.clusterSlotsAvailable.name}{${CLUSTERS}}`, legend: '{{cluster}}' }]))
    .withPanel(timeseries('Kafka lag, top 10 jobs', 'short', [{ expr: `topk(10, max by (cluster, job_name) (${M.kafkaLag.name}{${CLUSTERS}}))`, legend: '{{cluster}} / {{job_name}}' }]))
    .withPanel(timeseries('Backpressure, top 10 jobs', 'percentunit', [{ expr: `topk(10, max by (cluster, job_name) (${M.backpressure.name}{${CLUSTERS}}))`, legend: '{{cluster}} / {{job_name}}' }]))
}
