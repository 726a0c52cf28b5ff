/**
 * Real stack: a savepoint taken through the API (operator role) is what the next restart resumes from;
 * the job checkpoints rarely, so the savepoint is the newest restore point.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { cancelJobsNamed, consumeUntil, getJson, kafka, produce, waitFor, waitForJobState } from '../../helpers/stack.js'
import type { RunningService } from '../../helpers/service.js'
import { countsFor, flinkwatchConfig, policyFor, start, startTestJob, waitForFailed, waitForNewRunning, type TestJob } from './helpers.js'

describe('savepoint action, then restart (real Flink)', () => {
  let service: RunningService | undefined
  let job: TestJob | undefined
  after(async () => {
    await service?.stop()
    if (job) await cancelJobsNamed(job.name)
  })

  it('restarts from the savepoint the action produced', async () => {
    job = await startTestJob('fw-lc-savepoint', ['--checkpoint-interval', '3600000'])
    await waitForJobState(job.jobId, ['RUNNING'])
    await produce(job.input, Array.from({ length: 4 }, () => ({ value: 'b' })))
    await consumeUntil(job.output, (v) => v.includes('b,4'), 60_000)

    service = await start(flinkwatchConfig(policyFor(job), { backoff: '5s' }, { auth: { tokens: [{ name: 'ops', token: 'ops-token-123456', role: 'operator' }, { name: 'viewer', token: 'viewer-token-123456', role: 'viewer' }] } }))
    const url = service.url
    const auth = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' })
    await waitFor('flinkwatch to see the job', async () => (await fetch(`${url}/api/v1/jobs/local/${job!.jobId}`, { headers: auth('viewer-token-123456') })).ok)
    const body = JSON.stringify({ action: 'savepoint' })
    assert.equal((await fetch(`${url}/api/v1/jobs/local/${job.jobId}/actions`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).status, 401)
    assert.equal((await fetch(`${url}/api/v1/jobs/local/${job.jobId}/actions`, { method: 'POST', body, headers: auth('viewer-token-123456') })).status, 403)
    const res = await fetch(`${url}/api/v1/jobs/local/${job.jobId}/actions`, { method: 'POST', body, headers: auth('ops-token-123456') })
    assert.equal(res.status, 202)
    const { operationId } = (await res.json()) as { operationId: string }
    type Op = { status: string; result: { savepointPath?: string } | null; message: string | null; requestedBy: string }
    const op = await waitFor('the savepoint operation to end', async () => {
      const o = await getJson<Op>(`${url}/api/v1/operations/${operationId}`, { headers: auth('viewer-token-123456') })
      return o.status === 'succeeded' || o.status === 'failed' ? o : undefined
    }, 120_000)
    assert.equal(op.status, 'succeeded', op.message ?? '')
    assert.equal(op.requestedBy, 'ops')
    const savepointPath = op.result?.savepointPath
    assert.ok(savepointPath)

    await produce(job.input, [{ value: 'poison' }])
    await waitForFailed(job.jobId)
    // Output so far (Flink's own failover replays from the start: there is no checkpoint); the backoff
    // leaves time to count it before the resubmission.
    const admin = kafka().admin()
    await admin.connect()
    const written = Number((await admin.fetchTopicOffsets(job.output))[0]!.high)
    await admin.disconnect()
    await waitForNewRunning(job.name, [job.jobId])
    await produce(job.input, [{ value: 'b' }])
    const values = await consumeUntil(job.output, (v) => v.length > written && v.includes('b,5'), 60_000)
    // Restored from the savepoint: only the new record's count (5); a fresh start would replay 1..4 first.
    assert.deepEqual(countsFor(values.slice(written), 'b'), [5], values.join(' '))

    type Ev = { action: string; outcome: string; who: string; details: Record<string, unknown> }
    const events = (await getJson<{ events: Ev[] }>(`${url}/api/v1/events?job=${encodeURIComponent(job.name)}`, { headers: auth('viewer-token-123456') })).events
    const restart = events.find((e) => e.action === 'restart' && e.outcome === 'succeeded')
    assert.ok(restart, JSON.stringify(events))
    assert.equal((restart.details['restoredFrom'] as { path: string }).path, savepointPath)
    assert.ok(events.some((e) => e.action === 'savepoint' && e.who === 'ops' && e.outcome === 'succeeded'))
  })
})
