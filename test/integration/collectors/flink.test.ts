/**
 * The flink collector against the real Flink 1.20 of the test stack, through flinkwatch's own API:
 * a submitted test job shows up RUNNING with checkpoints counted, a poison record drives it into
 * RESTARTING/FAILED with the exception visible. The JobManager outage is in flink-jm-outage.test.ts.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { STACK, cancelJob, createTopic, getJson, produce, submitTestJob, uniqueId, waitFor } from '../../helpers/stack.js'
import { startService, testConfig, type RunningService } from '../../helpers/service.js'
import { createFlinkCollector } from '../../../platforms/flink/flink-collector.js'
import { systemClock } from '../../../src/core/clock.js'

interface JobSummary {
  jobId: string
  name: string
  state: string
  restarts: number
  lastCheckpoint: { id: number; ageSeconds: number } | null
}
interface JobDetail extends JobSummary {
  checkpoints: { completed: number; intervalMs: number | null } | null
  exceptions: { message: string; stackTrace: string | null }[]
  vertices: { id: string; name: string; parallelism: number; isSource: boolean }[]
}
interface ClusterBody {
  id: string
  status: 'up' | 'down'
  version: string | null
  taskManagers: number
  slots: { total: number; available: number }
  consecutiveFailures: number
}

const CLUSTER = 'stack'
const DOWN_AFTER = 3

function config() {
  return testConfig({
    clusters: [
      { id: CLUSTER, type: 'flink', url: STACK.flink, pollInterval: '1s', requestTimeout: '2s', downAfter: DOWN_AFTER, checkpointInterval: '1s', metricsInterval: '2s' },
    ],
  })
}

describe('flink collector on the real Flink', () => {
  let svc: RunningService
  const name = uniqueId('fw-collector')
  const input = `${name}-in`
  let jobId = ''
  const messages: { topic: string; type: string; data: { jobId?: string; to?: string } }[] = []
  let ws: WebSocket | undefined

  before(async () => {
    svc = await startService(config())
    await createTopic(input)
    await createTopic(`${name}-out`)
    ws = new WebSocket(`${svc.url.replace('http', 'ws')}/api/v1/stream?topics=jobs&cluster=${CLUSTER}`)
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as (typeof messages)[number]))
    await new Promise((resolve, reject) => ws!.once('open', resolve).once('error', reject))
  })
  after(async () => {
    ws?.close()
    if (jobId) await cancelJob(jobId)
    await svc?.stop()
  })

  const api = <T>(path: string) => getJson<T>(`${svc.url}/api/v1${path}`)

  it('reports the cluster up with its version, TaskManagers and slots', async () => {
    const c = await waitFor('cluster up', async () => {
      const { clusters } = await api<{ clusters: ClusterBody[] }>('/clusters')
      return clusters.find((x) => x.id === CLUSTER && x.status === 'up' && x.taskManagers > 0)
    })
    assert.match(c.version ?? '', /^1\.20\./)
    assert.equal(c.slots.total, 2)
  })

  it('sees the submitted test job RUNNING with checkpoints counted', async () => {
    jobId = await submitTestJob({ name, input, output: `${name}-out` })
    const summary = await waitFor(
      'job RUNNING with a checkpoint',
      async () => {
        const { jobs } = await api<{ jobs: JobSummary[] }>(`/jobs?cluster=${CLUSTER}&q=${name}`)
        return jobs.find((j) => j.jobId === jobId && j.state === 'RUNNING' && j.lastCheckpoint !== null)
      },
      60_000,
    )
    assert.equal(summary.name, name)
    // Flink answers job detail from a graph cached for 3 s: vertices may come a poll after RUNNING.
    const detail = await waitFor('checkpoints counted and vertices read', async () => {
      const d = await api<JobDetail>(`/jobs/${CLUSTER}/${jobId}`)
      return d.checkpoints && d.checkpoints.completed >= 2 && d.vertices.length > 0 ? d : undefined
    })
    assert.equal(detail.checkpoints?.intervalMs, 2000)
    assert.ok(detail.vertices.length >= 2, JSON.stringify(detail.vertices))
    assert.ok(detail.vertices.some((v) => v.isSource))
    assert.ok(detail.vertices.every((v) => v.parallelism === 1))
    assert.ok(messages.some((m) => m.type === 'transition' && m.data.jobId === jobId && m.data.to === 'RUNNING'), 'the jobs stream pushed the transition')
    const metrics = await (await fetch(`${svc.url}/metrics`)).text()
    assert.match(metrics, new RegExp(`flinkwatch_job_state\\{cluster="${CLUSTER}",job_id="${jobId}",job_name="${name}",state="RUNNING"\\} 1`))
    assert.match(metrics, new RegExp(`flinkwatch_cluster_up\\{cluster="${CLUSTER}"\\} 1`))
  })

  it('watches states between polls with the real GET /jobs: the running job, unchanged since the poll', async () => {
    const c = createFlinkCollector(
      { id: 'watch', type: 'flink', url: STACK.flink, pollInterval: 10_000, watchInterval: 2000, requestTimeout: 5000, downAfter: 3, concurrency: 4, checkpointInterval: 60_000, metricsInterval: 60_000, enabled: true },
      { clock: systemClock },
    )
    const signal = new AbortController().signal
    const snap = await c.collect(signal)
    assert.equal(snap.jobs.find((j) => j.jobId === jobId)?.state, 'RUNNING')
    assert.deepEqual(await c.changed!(signal), { changed: false, requests: 1 })
  })

  it('sees the poison record restart and fail the job, with the exception', async () => {
    await produce(input, [{ key: 'k', value: 'poison' }])
    const seen = new Set<string>()
    const failed = await waitFor(
      'job FAILED after restarts',
      async () => {
        const d = await api<JobDetail>(`/jobs/${CLUSTER}/${jobId}`)
        seen.add(d.state)
        return d.state === 'FAILED' ? d : undefined
      },
      90_000,
      200,
    )
    assert.ok(failed.restarts >= 1, `restarts ${failed.restarts}`)
    assert.match(failed.exceptions[0]?.message ?? '', /poison record received/)
    const transitions = messages.filter((m) => m.data.jobId === jobId).map((m) => m.data.to)
    assert.ok(transitions.includes('FAILED'), JSON.stringify(transitions))
    // RESTARTING lasts about the restart delay; the stream or the API saw it, or the restart count grew between polls.
    assert.ok(transitions.includes('RESTARTING') || seen.has('RESTARTING') || transitions.filter((t) => t === 'RUNNING').length > 1, JSON.stringify({ transitions, seen: [...seen] }))
    jobId = ''
  })
})
