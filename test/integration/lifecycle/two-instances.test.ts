/** Real stack: two flinkwatch instances on one Elasticsearch store (the embedded one serves one process) watch the same failed job; it is restarted once. */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { Client } from '@elastic/elasticsearch'
import { STACK, cancelJobsNamed, getJson, uniqueId, produce, waitFor, waitForCompletedCheckpoint, waitForJobState } from '../../helpers/stack.js'
import type { RunningService } from '../../helpers/service.js'
import { flinkwatchConfig, instances, policyFor, start, startTestJob, waitForFailed, waitForNewRunning, type TestJob } from './helpers.js'

describe('auto-restart with two flinkwatch instances (real Flink)', () => {
  const services: RunningService[] = []
  let job: TestJob | undefined
  const prefix = uniqueId('fw-two')
  after(async () => {
    for (const s of services) await s.stop()
    if (job) await cancelJobsNamed(job.name)
    const admin = new Client({ node: STACK.elasticsearch })
    await admin.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true }).catch(() => undefined)
    await admin.indices.deleteIndexTemplate({ name: `${prefix}-*` }).catch(() => undefined)
    await admin.close()
  })

  it('restarts the job once', async () => {
    job = await startTestJob('fw-lc-two')
    await waitForJobState(job.jobId, ['RUNNING'])
    await waitForCompletedCheckpoint(job.jobId)
    const a = flinkwatchConfig(policyFor(job), { backoff: '1s' }, { storage: { type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: prefix } })
    const b = { ...a, storage: a.storage } // the same store
    services.push(await start(a), await start(b))
    await produce(job.input, [{ value: 'poison' }])
    await waitForFailed(job.jobId)
    const again = await waitForNewRunning(job.name, [job.jobId])
    type Ev = { action: string; outcome: string }
    const failedId = job.jobId
    const name = job.name
    // Settled, with no sleeping: the restart is audited as succeeded, and each instance has either recorded its
    // decision on the failed instance (claimed it, or found it claimed) or already sees the new instance running
    // (then it never decides on the failed one). No claim is possible after that, so the counts below are final.
    const decided = (s: RunningService): boolean =>
      s.logs.some((l) => l.includes(failedId) && (l.includes('not claimed') || l.includes(': attempt 1/')))
    const seesNewRunning = async (s: RunningService): Promise<boolean> =>
      (await getJson<{ jobs: { jobId: string; state: string }[] }>(`${s.url}/api/v1/jobs?cluster=local&q=${encodeURIComponent(name)}`)).jobs.some((j) => j.jobId === again.jid && j.state === 'RUNNING')
    await waitFor('the restart to be audited and both instances to have decided', async () => {
      const ev = (await getJson<{ events: Ev[] }>(`${services[0]!.url}/api/v1/events?job=${encodeURIComponent(name)}`)).events
      if (!ev.some((e) => e.action === 'restart' && e.outcome === 'succeeded')) return undefined
      for (const s of services) if (!decided(s) && !(await seesNewRunning(s))) return undefined
      return ev
    }, 60_000, 200)
    assert.equal(services.filter((s) => s.logs.some((l) => l.includes(failedId) && l.includes(': attempt 1/'))).length, 1, 'exactly one instance claimed the failure')
    const all = await instances(job.name)
    assert.equal(all.length, 2, all.map((i) => `${i.jid}:${i.state}`).join(' '))
    assert.equal(all.filter((i) => i.state === 'RUNNING').length, 1)
    assert.equal(all[1]!.jid, again.jid)
    const ev = (await getJson<{ events: Ev[] }>(`${services[1]!.url}/api/v1/events?job=${encodeURIComponent(job.name)}`)).events
    assert.equal(ev.filter((e) => e.action === 'restart' && e.outcome === 'requested').length, 1, JSON.stringify(ev))
  })
})
