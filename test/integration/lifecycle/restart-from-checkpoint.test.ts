/**
 * Real stack: the test job fails on a poison record; flinkwatch resubmits it from its latest retained
 * checkpoint, and the per-key counters continue from the restored values instead of restarting at 1.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { cancelJobsNamed, consumeUntil, getJson, produce } from '../../helpers/stack.js'
import type { RunningService } from '../../helpers/service.js'
import { checkpointAfter, countsFor, flinkwatchConfig, instances, policyFor, start, startTestJob, waitForFailed, waitForNewRunning, type TestJob } from './helpers.js'
import { waitForJobState } from '../../helpers/stack.js'

describe('auto-restart from the latest checkpoint (real Flink)', () => {
  let service: RunningService | undefined
  let job: TestJob | undefined
  after(async () => {
    await service?.stop()
    if (job) await cancelJobsNamed(job.name)
  })

  it('resubmits a failed job from its latest checkpoint; counters continue', async () => {
    job = await startTestJob('fw-lc-restart')
    await waitForJobState(job.jobId, ['RUNNING'])
    await produce(job.input, Array.from({ length: 5 }, () => ({ value: 'a' })))
    await consumeUntil(job.output, (v) => v.includes('a,5'), 60_000)
    // A checkpoint completed after the five records holds count 5.
    const before = (await getJson<{ latest?: { completed?: { id: number } | null } }>(`http://127.0.0.1:8081/jobs/${job.jobId}/checkpoints`)).latest?.completed?.id ?? 0
    const cp = await checkpointAfter(job.jobId, before)

    const policy = policyFor(job)
    service = await start(flinkwatchConfig(policy))
    await produce(job.input, [{ value: 'poison' }])
    const failedAt = await waitForFailed(job.jobId)
    const again = await waitForNewRunning(job.name, [job.jobId])
    const restartMs = again.runningAt - failedAt
    console.log(`# restart time (FAILED -> RUNNING again): ${restartMs} ms`)

    await produce(job.input, Array.from({ length: 3 }, () => ({ value: 'a' })))
    const values = await consumeUntil(job.output, (v) => v.includes('a,8'), 60_000)
    const counts = countsFor(values, 'a')
    assert.equal(counts.filter((n) => n === 1).length, 1, `counters restarted at 1: ${counts.join(' ')}`)
    assert.ok(counts.includes(6) && counts.includes(8), `counts continue past 5: ${counts.join(' ')}`)

    const events = await getJson<{ events: { action: string; outcome: string; who: string; details: Record<string, unknown> }[] }>(`${service.url}/api/v1/events?job=${encodeURIComponent(job.name)}`)
    const done = events.events.find((e) => e.action === 'restart' && e.outcome === 'succeeded')
    assert.ok(done, JSON.stringify(events.events))
    assert.equal(done.who, 'flinkwatch:auto-restart')
    const restored = done.details['restoredFrom'] as { path: string; kind: string; jobId: string }
    assert.equal(restored.kind, 'checkpoint')
    assert.equal(restored.jobId, job.jobId)
    assert.ok(Number(/chk-(\d+)/.exec(restored.path)?.[1]) >= cp.id, `restored from ${restored.path}, newer than or equal to checkpoint ${cp.id}`)
    // Viewers read events and operations: the submission is described without the program arguments.
    const args = policy['args'] as string[]
    const submitted = done.details['details'] as Record<string, unknown>
    assert.deepEqual(submitted['request'], { jarId: submitted['jarId'], savepointPath: restored.path, allowNonRestoredState: false, argCount: args.length })
    assert.ok(!JSON.stringify(events.events).includes('"--poison"'), 'no program argument in the audit trail')
    assert.equal((await instances(job.name)).filter((i) => i.state === 'RUNNING').length, 1, 'exactly one copy runs')
  })
})
