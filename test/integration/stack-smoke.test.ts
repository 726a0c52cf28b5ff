/** One proof per real part of the test stack: Flink, Kafka, Elasticsearch and Prometheus. */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { Client } from '@elastic/elasticsearch'
import { createStore } from '../../src/storage/create-store.js'
import { startService, testConfig, type RunningService } from '../helpers/service.js'
import {
  STACK,
  cancelJob,
  consumeUntil,
  createTopic,
  getJson,
  produce,
  submitTestJob,
  uniqueId,
  waitFor,
  waitForJobState,
} from '../helpers/stack.js'

describe('stack smoke', () => {
  it('Flink: the REST API shows a TaskManager and the submitted test job RUNNING', async () => {
    const tms = await getJson<{ taskmanagers: { id: string; slotsNumber: number }[] }>(`${STACK.flink}/taskmanagers`)
    assert.ok(tms.taskmanagers.length >= 1, 'at least one TaskManager registered')
    const name = uniqueId('smoke-job')
    const input = `${name}-in`
    const output = `${name}-out`
    await createTopic(input)
    await createTopic(output)
    const jobId = await submitTestJob({ name, input, output })
    try {
      assert.equal(await waitForJobState(jobId, ['RUNNING']), 'RUNNING')
      const overview = await getJson<{ jobs: { jid: string; name: string; state: string }[] }>(`${STACK.flink}/jobs/overview`)
      const job = overview.jobs.find((j) => j.jid === jobId)
      assert.equal(job?.name, name)
      assert.equal(job?.state, 'RUNNING')
    } finally {
      await cancelJob(jobId)
    }
  })

  it('Kafka: a record produced with kafkajs is consumed back', async () => {
    const topic = uniqueId('smoke-topic')
    await createTopic(topic)
    const value = JSON.stringify({ hello: uniqueId('value') })
    await produce(topic, [{ key: 'k', value }])
    const seen = await consumeUntil(topic, (values) => values.includes(value))
    assert.ok(seen.includes(value))
  })

  it('Elasticsearch: indexes and finds a document through the Store interface', async () => {
    const prefix = uniqueId('fwsmoke').toLowerCase()
    const store = await createStore({ type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: prefix, requestTimeout: 30_000 })
    const admin = new Client({ node: STACK.elasticsearch })
    try {
      assert.equal(store.kind, 'elasticsearch')
      await store.init([{ name: 'smoke', keywords: ['job'], text: ['message'] }])
      const r = await store.write('smoke', [{ id: 'doc-1', timestamp: Date.now(), body: { job: 'smoke', message: 'TaskManager lost heartbeat' } }], 'create')
      assert.equal(r.written, 1)
      await store.refresh('smoke')
      const found = await store.query('smoke', { where: { job: 'smoke' }, text: { must: [{ kind: 'term', value: 'heartbeat' }], mustNot: [] } })
      assert.deepEqual(found.docs.map((d) => d.id), ['doc-1'])
      assert.ok((await admin.indices.exists({ index: `${prefix}-smoke` })), 'the document lives in a real index')
    } finally {
      await store.close()
      await admin.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true }).catch(() => undefined)
      await admin.indices.deleteIndexTemplate({ name: `${prefix}-*` }).catch(() => undefined)
      await admin.close()
    }
  })

  describe('Prometheus', () => {
    let service: RunningService | undefined
    after(() => service?.stop())

    it("scrapes flinkwatch's /metrics: its targets API says up", async () => {
      service = await startService(testConfig({ server: { host: '127.0.0.1', port: STACK.flinkwatchScrapePort } }))
      const metrics = await (await fetch(`${service.url}/metrics`)).text()
      assert.match(metrics, /^process_cpu_seconds_total /m)
      // Only a scrape that began after this service listened counts (an earlier run may have left "up" behind).
      const listening = Date.now()
      interface Targets { data: { activeTargets: { scrapeUrl: string; health: string; lastError: string; lastScrape: string }[] } }
      const target = await waitFor('Prometheus to scrape flinkwatch successfully', async () => {
        const t = await getJson<Targets>(`${STACK.prometheus}/api/v1/targets?state=active`)
        return t.data.activeTargets.find((a) => a.scrapeUrl === `http://127.0.0.1:${STACK.flinkwatchScrapePort}/metrics` && a.health === 'up' && Date.parse(a.lastScrape) >= listening)
      }, 60_000)
      assert.equal(target.lastError, '')
      // The scraped series are flinkwatch's own: they are queryable in Prometheus.
      const q = await waitFor('process metrics of flinkwatch in Prometheus', async () => {
        const r = await getJson<{ data: { result: unknown[] } }>(`${STACK.prometheus}/api/v1/query?query=${encodeURIComponent(`up{instance="127.0.0.1:${STACK.flinkwatchScrapePort}"} == 1`)}`)
        return r.data.result.length > 0 ? r.data.result : undefined
      }, 30_000)
      assert.equal(q.length, 1)
    })
  })
})
