import { DashboardBuilder, DashboardCursorSync, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { METRICS as M, ONE_JOB } from './queries.js'
import { datasourceVariable, labelVariable, stat, timeseries } from './panels.js'

/** One job: state, restarts, checkpoints, lag, busy and backpressure. */
export function jobDetail(): DashboardBuilder {
  return new DashboardBuilder('Flink job detail')
    .uid('flinkwatch-job')
    .tags(['flinkwatch', 'flink'])
    .description('One Flink job as flinkwatch sees it')
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(datasourceVariable())
    .withVariable(labelVariable('cluster', 'Cluster', `label_values(${M.clusterUp.name}, cluster)`))
    .withVariable(labelVariable('job', 'Job', `label_values(${M.jobState.name}{cluster="$cluster"}, job_name)`))
    .withRow(new RowBuilder('Now'))
    .withPanel(stat('State', 'none', { expr: `${M.jobState.name}{${ONE_JOB}} == 1`, legend: '{{state}}' }))
    .withPanel(stat('Restarts', 'none', { expr: `max(${M.jobRestarts.name}{${ONE_JOB}})` }, { warn: 1, crit: 5 }))
    .withPanel(stat('Last checkpoint age', 's', { expr: `max(${M.checkpointAge.name}{${ONE_JOB}})` }, { warn: 600, crit: 1800 }))
    .withPanel(stat('Kafka lag', 'short', { expr: `max(${M.kafkaLag.name}{${ONE_JOB}})` }))
    .withPanel(stat('Busy', 'percentunit', { expr: `max(${M.busy.name}{${ONE_JOB}})` }, { warn: 0.8, crit: 0.95 }))
    .withPanel(stat('Backpressure', 'percentunit', { expr: `max(${M.backpressure.name}{${ONE_JOB}})` }, { warn: 0.3, crit: 0.7 }))
    .withRow(new RowBuilder('Trends'))
    .withPanel(timeseries('Busy and backpressure', 'percentunit', [
      { expr: `max(${M.busy.name}{${ONE_JOB}})`, legend: 'busy' },
      { expr: `max(${M.backpressure.name}{${ONE_JOB}})`, legend: 'backpressure' },
    ]))
    .withPanel(timeseries('Kafka lag', 'short', [{ expr: `max(${M.kafkaLag.name}{${ONE_JOB}})`, legend: 'lag' }]))
    .withPanel(timeseries('Checkpoint duration', 's', [{ expr: `max(${M.checkpointDuration.name}{${ONE_JOB}})`, legend: 'duration' }]))
    .withPanel(timeseries('Checkpoint size', 'bytes', [{ expr: `max(${M.checkpointSize.name}{${ONE_JOB}})`, legend: 'size' }]))
    .withPanel(timeseries('Records per second', 'short', [
      { expr: `max(${M.recordsIn.name}{${ONE_JOB}})`, legend: 'in (sources)' },
      { expr: `max(${M.recordsOut.name}{${ONE_JOB}})`, legend: 'out (sinks)' },
    ]))
    .withPanel(timeseries('Restarts', 'none', [{ expr: `max(${M.jobRestarts.name}{${ONE_JOB}})`, legend: 'restarts' }]))
    .withPanel(timeseries('Checkpoints since (re)start', 'none', [
      { expr: `max(${M.checkpointsCompleted.name}{${ONE_JOB}})`, legend: 'completed' },
      { expr: `max(${M.checkpointsFailed.name}{${ONE_JOB}})`, legend: 'failed' },
    ]))
}
