/**
 * (a) Real end to end: the test job's TaskManager logs a line with a unique token through log4j2's Kafka
 * appender; searching by that token and the job id returns it with the job name and the TaskManager id.
 */
import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import type { LogHit } from '../../../src/logs/document.js'
import { STACK, cancelJob, createTopic, produce, submitTestJob, uniqueId, waitFor, waitForJobState } from '../../helpers/stack.js'
import { startService, testConfig, type RunningService } from '../../helpers/service.js'

let svc: RunningService
let jobId: string | undefined
const prefix = uniqueId('fwlogse2e')

before(async () => {
  svc = await startService(
    testConfig({
      storage: { type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: prefix },
      clusters: [{ id: 'local', type: 'flink', url: STACK.flink, pollInterval: '1s' }],
      // fromBeginning false: the shared topic may hold millions of lines from other tests and benchmarks.
      logs: { kafka: { brokers: [STACK.kafka], topics: [STACK.logsTopic], groupId: uniqueId('fw-e2e'), fromBeginning: false } },
    }),
  )
  await waitFor('the log consumer to join its group', async () => {
    const r = (await (await fetch(`${svc.url}/readyz`)).json()) as { components: Record<string, { ready: boolean }> }
    return r.components['logs-kafka']?.ready === true
  }, 60_000)
})

after(async () => {
  if (jobId) await cancelJob(jobId)
  await svc?.stop()
  await fetch(`${STACK.elasticsearch}/${prefix}-*`, { method: 'DELETE' }).catch(() => undefined)
  await fetch(`${STACK.elasticsearch}/_index_template/${prefix}-*`, { method: 'DELETE' }).catch(() => undefined)
})

it('finds a TaskManager line by token and job id, with job name and TaskManager id', { timeout: 180_000 }, async () => {
  const name = uniqueId('fw-logs-e2e')
  const input = `${name}-in`
  await createTopic(input)
  await createTopic(`${name}-out`)
  // Learn the job's name the way production does: from the fleet poller's events.
  const seen = new Promise<void>((resolve) => {
    const off = svc.app.context.bus.subscribe('fleet.updated', (ev) => {
      if (jobId && ev.jobs.some((j) => j.jobId === jobId)) (off(), resolve())
    })
  })
  jobId = await submitTestJob({ name, input, output: `${name}-out` })
  await waitForJobState(jobId, ['RUNNING'], 90_000)
  await seen
  const token = uniqueId('tok')
  await produce(input, [{ value: `k1,${token}` }])
  const hit = await waitFor(
    'the token line to be searchable',
    async () => {
      const res = await fetch(`${svc.url}/api/v1/logs/search?${new URLSearchParams({ q: token, job: jobId! })}`)
      const body = (await res.json()) as { hits: LogHit[] }
      return body.hits[0]
    },
    10_000,
    200,
  )
  assert.match(hit.message, new RegExp(`processed key=k1 count=\\d+ token=${token}`))
  assert.equal(hit.jobId, jobId)
  assert.equal(hit.jobName, name)
  assert.ok(hit.taskManager, 'TaskManager id present')
  assert.equal(hit.level, 'INFO')
})
