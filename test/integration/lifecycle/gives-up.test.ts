/**
 * Real stack: a job that keeps failing (the resubmitted version still fails on the poison record) is
 * restarted maxAttempts times, then auto-restart gives up and raises the critical incident.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { cancelJobsNamed, getJson, produce, waitFor, waitForCompletedCheckpoint, waitForJobState } from '../../helpers/stack.js'
import type { RunningService } from '../../helpers/service.js'
import type { AlertEvent } from '../../../src/model/alert.js'
import { flinkwatchConfig, instances, policyFor, start, startTestJob, type TestJob } from './helpers.js'

describe('auto-restart budget (real Flink)', () => {
  let service: RunningService | undefined
  let job: TestJob | undefined
  after(async () => {
    await service?.stop()
    if (job) await cancelJobsNamed(job.name)
  })

  it('gives up after maxAttempts and raises the incident', async () => {
    job = await startTestJob('fw-lc-giveup')
    await waitForJobState(job.jobId, ['RUNNING'])
    await waitForCompletedCheckpoint(job.jobId)
    service = await start(flinkwatchConfig(policyFor(job, 'fail'), { maxAttempts: 2, backoff: '1s' }))
    const alerts: AlertEvent[] = []
    service.app.context.bus.subscribe('alert.transition', (e) => void alerts.push(e.alert))
    await produce(job.input, [{ value: 'poison' }])

    const incident = await waitFor('the auto-restart-gave-up incident', async () => alerts.find((a) => a.rule === 'auto-restart-gave-up' && a.jobName === job!.name), 240_000, 500)
    assert.equal(incident.severity, 'critical')
    assert.equal(incident.state, 'firing')

    type Ev = { action: string; outcome: string; details: Record<string, unknown> }
    const events = (await getJson<{ events: Ev[] }>(`${service.url}/api/v1/events?job=${encodeURIComponent(job.name)}&limit=100`)).events
    const outcomes = events.filter((e) => e.action === 'restart').map((e) => e.outcome)
    assert.equal(outcomes.filter((o) => o === 'requested').length, 2, `two attempts: ${outcomes.join(',')}`)
    assert.equal(outcomes.filter((o) => o === 'gave-up').length, 1)
    // Three instances: the original and two resubmissions, all failed; no third attempt.
    const all = await instances(job.name)
    assert.equal(all.length, 3, all.map((i) => `${i.jid}:${i.state}`).join(' '))
  })
})
