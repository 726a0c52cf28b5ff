/** Real stack: two flinkwatch instances on one embedded store watch the same failed job; it is restarted once. */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { cancelJobsNamed, getJson, produce, waitFor, waitForCompletedCheckpoint, waitForJobState } from '../../helpers/stack.js'
import type { RunningService } from '../../helpers/service.js'
import { flinkwatchConfig, instances, policyFor, start, startTestJob, waitForFailed, waitForNewRunning, type TestJob } from './helpers.js'

describe('auto-restart with two flinkwatch instances (real Flink)', () => {
  const services: RunningService[] = []
  let job: TestJob | undefined
  after(async () => {
    for (const s of services) await s.stop()
    if (job) await cancelJobsNamed(job.name)
  })

  it('restarts the job once', async () => {
    job = await startTestJob('fw-lc-two')
    await waitForJobState(job.jobId, ['RUNNING'])
    await waitForCompletedCheckpoint(job.jobId)
    const a = flinkwatchConfig(policyFor(job), { backoff: '1s' })
    const b = { ...a, storage: a.storage } // same embedded store directory
    services.push(await start(a), await start(b))
    await produce(job.input, [{ value: 'poison' }])
    await waitForFailed(job.jobId)
    const again = await waitForNewRunning(job.name, [job.jobId])
    // Let both instances see the failure and the new instance for a few polls before counting.
    type Ev = { action: string; outcome: string }
    await waitFor('both instances to have decided', async () => {
      const ev = (await getJson<{ events: Ev[] }>(`${services[0]!.url}/api/v1/events?job=${encodeURIComponent(job!.name)}`)).events
      return ev.some((e) => e.outcome === 'succeeded') ? ev : undefined
    }, 60_000)
    await new Promise((r) => setTimeout(r, 4000))
    const all = await instances(job.name)
    assert.equal(all.length, 2, all.map((i) => `${i.jid}:${i.state}`).join(' '))
    assert.equal(all.filter((i) => i.state === 'RUNNING').length, 1)
    assert.equal(all[1]!.jid, again.jid)
    const ev = (await getJson<{ events: Ev[] }>(`${services[1]!.url}/api/v1/events?job=${encodeURIComponent(job.name)}`)).events
    assert.equal(ev.filter((e) => e.action === 'restart' && e.outcome === 'requested').length, 1, JSON.stringify(ev))
  })
})
