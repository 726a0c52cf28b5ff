import { DashboardBuilder, DashboardCursorSync } from '@grafana/grafana-foundation-sdk/dashboard'
import { CLUSTERS, METRICS as M, growth } from './queries.js'
import { datasourceVariable, labelVariable, table, timeseries } from './panels.js'

const BY_JOB = '{{cluster}} / {{job_name}}'

/** Checkpoint health across the fleet: age, duration, size and failures per job. */
export function checkpoints(): DashboardBuilder {
  return new DashboardBuilder('Flink checkpoints')
    .uid('flinkwatch-checkpoints')
    .tags(['flinkwatch', 'flink'])
    .description('Checkpoint age, duration, size and failures per job')
    .refresh('1m')
    .time({ from: 'now-12h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(datasourceVariable())
    .withVariable(labelVariable('cluster', 'Cluster', `label_values(${M.clusterUp.name}, cluster)`, { all: true }))
    .withPanel(timeseries('Completed checkpoints (1h)', 'none', [{ expr: `max by (cluster, job_name) ${growth(`${M.checkpointsCompleted.name}{${CLUSTERS}}`, '1h')}`, legend: BY_JOB }]))
    .withPanel(table('Oldest last checkpoints', 's', [{ expr: `topk(20, max by (cluster, job_name) (${M.checkpointAge.name}{${CLUSTERS}}))`, legend: BY_JOB }]))
    .withPanel(timeseries('Age of the last completed checkpoint', 's', [{ expr: `max by (cluster, job_name) (${M.checkpointAge.name}{${CLUSTERS}})`, legend: BY_JOB }]))
    .withPanel(timeseries('Checkpoint duration', 's', [{ expr: `max by (cluster, job_name) (${M.checkpointDuration.name}{${CLUSTERS}})`, legend: BY_JOB }]))
    .withPanel(timeseries('Checkpoint size', 'bytes', [{ expr: `max by (cluster, job_name) (${M.checkpointSize.name}{${CLUSTERS}})`, legend: BY_JOB }]))
    .withPanel(timeseries('Failed checkpoints (1h)', 'none', [{ expr: `max by (cluster, job_name) ${growth(`${M.checkpointsFailed.name}{${CLUSTERS}}`, '1h')}`, legend: BY_JOB }]))
}
