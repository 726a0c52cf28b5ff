/**
 * Every dashboard query against the real Prometheus, scraping a real flinkwatch that watches the real
 * Flink of the test stack running the test job: each must return at least one series.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { panelQueries, variableQueries } from '../../dashboards/index.js'
import { startService, testConfig, type RunningService } from '../helpers/service.js'
import {
  STACK,
  cancelJob,
  createTopic,
  getJson,
  produce,
  submitTestJob,
  uniqueId,
  waitFor,
  waitForCompletedCheckpoint,
  waitForJobState,
} from '../helpers/stack.js'

const INSTANCE = `127.0.0.1:${STACK.flinkwatchScrapePort}`

interface Vector {
  status: string
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }
}

async function instant(expr: string): Promise<Vector['data']['result']> {
  const r = await getJson<Vector>(`${STACK.prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`)
  assert.equal(r.status, 'success')
  return r.data.result
}

/** What Grafana would send with the variables set to this cluster, job and instance. */
function substitute(expr: string, vars: { cluster: string; job: string; instance: string }): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$cluster', vars.cluster)
    .replaceAll('$job', vars.job)
    .replaceAll('$instance', vars.instance.replaceAll('.', '\\\\.'))
}

describe('dashboard queries against Prometheus scraping flinkwatch watching Flink', () => {
  const name = uniqueId('dash-job')
  let jobId: string | undefined
  let service: RunningService | undefined

  before(async () => {
    const input = `${name}-in`
    await createTopic(input)
    await createTopic(`${name}-out`)
    jobId = await submitTestJob({ name, input, output: `${name}-out` })
    await waitForJobState(jobId, ['RUNNING'])
    await produce(input, Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 4}`, value: `k${i % 4}` })))
    await waitForCompletedCheckpoint(jobId)
    service = await startService(
      testConfig({
        server: { host: '127.0.0.1', port: STACK.flinkwatchScrapePort },
        clusters: [{ id: 'local', type: 'flink', url: STACK.flink, pollInterval: '1s' }],
      }),
    )
    // Prometheus has seen the job through flinkwatch, with a checkpoint.
    await waitFor(
      'the test job in Prometheus via flinkwatch',
      async () => (await instant(`flinkwatch_job_state{instance="${INSTANCE}",cluster="local",job_name="${name}",state="RUNNING"}`)).length > 0,
      90_000,
      500,
    )
  })

  after(async () => {
    await service?.stop()
    if (jobId) await cancelJob(jobId)
  })

  it('every panel query returns at least one series', async () => {
    const vars = { cluster: 'local', job: name, instance: INSTANCE }
    const queries = panelQueries()
    assert.ok(queries.length >= 30)
    const empty: string[] = []
    for (const q of queries) {
      const expr = substitute(q.expr, vars)
      // rate() needs two samples in its window and checkpoint figures a poll after the checkpoint: allow a little time.
      const result = await waitFor(`${q.dashboard} / ${q.panel}`, async () => {
        const r = await instant(expr)
        return r.length > 0 ? r : undefined
      }, 30_000, 500).catch(() => [])
      if (result.length === 0) empty.push(`${q.dashboard} / ${q.panel}: ${expr}`)
    }
    assert.deepEqual(empty, [], `panel queries without series:\n${empty.join('\n')}`)
  })

  it('the job detail queries return exactly the chosen job', async () => {
    const vars = { cluster: 'local', job: name, instance: INSTANCE }
    const state = await instant(substitute(panelQueries().find((q) => q.dashboard === 'flinkwatch-job' && q.panel === 'State')!.expr, vars))
    assert.deepEqual(state.map((s) => [s.metric['job_name'], s.metric['state']]), [[name, 'RUNNING']])
  })

  it('every variable query finds the cluster, the job and the instance', async () => {
    const expected: Record<string, string> = { cluster: 'local', job: name, instance: INSTANCE }
    for (const v of variableQueries()) {
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(substitute(v.query, { cluster: 'local', job: name, instance: INSTANCE }))
      assert.ok(m, `${v.dashboard} / $${v.variable}: ${v.query} is label_values(metric, label)`)
      const [, selector, label] = m
      const r = await getJson<{ data: string[] }>(`${STACK.prometheus}/api/v1/label/${label}/values?match[]=${encodeURIComponent(selector!)}`)
      assert.ok(r.data.includes(expected[v.variable]!), `${v.dashboard} / $${v.variable}: ${JSON.stringify(r.data)} lacks ${expected[v.variable]}`)
    }
  })
})
