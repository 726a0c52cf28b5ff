/**
 * (c) Elasticsearch stops for 30 s in the middle of a 100,000-line ingestion and comes back: afterwards every
 * line is searchable exactly once. Runs against a private Elasticsearch node (harness.ts), never the shared one.
 */
import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import { STACK, createTopic, uniqueId, waitFor } from '../../helpers/stack.js'
import { startService, testConfig, type RunningService } from '../../helpers/service.js'
import { PrivateElasticsearch, countSeqs, deleteKafkaLeftovers, exactlyOnceProblems, groupCaughtUp, metricValue, produceLines } from './harness.js'

const N = 100_000
const OUTAGE_MS = 30_000
const T0 = Date.UTC(2026, 0, 2, 8)
const gen = { start: T0, stepMs: 3, cluster: 'outage', seed: 11 }

const es = new PrivateElasticsearch()
const topic = uniqueId('fw-logs-outage')
const group = uniqueId('g-outage')
let svc: RunningService | undefined

before(async () => {
  await es.start()
  await createTopic(topic, 3)
})

after(async () => {
  await svc?.stop()
  await es.destroy()
  await deleteKafkaLeftovers([topic], [group])
})

it('keeps every line exactly once across a 30 s Elasticsearch outage', { timeout: 900_000 }, async () => {
  await produceLines(topic, 0, N / 2, gen)
  svc = await startService(
    testConfig({
      storage: { type: 'elasticsearch', node: es.url, indexPrefix: 'fwoutage' },
      logs: {
        kafka: { brokers: [STACK.kafka], topics: [topic], groupId: group },
        rateLimit: { perJob: { linesPerSecond: 1e6, burst: 1e6 }, perTaskManager: { linesPerSecond: 1e6, burst: 1e6 } },
        // Small bulks so the outage surely hits bulks in flight.
        bulk: { maxRecords: 1000 },
      },
    }),
  )
  const stored = async (): Promise<number> => metricValue(await (await fetch(`${svc!.url}/metrics`)).text(), 'flinkwatch_logs_records_stored_total')
  await waitFor('a first part of the lines stored', async () => (await stored()) >= 10_000, 120_000, 100)

  await es.stop()
  const atStop = await stored()
  // The second half arrives while Elasticsearch is away: the consumer must pause, not lose or buffer forever.
  await produceLines(topic, N / 2, N, gen)
  await new Promise((r) => setTimeout(r, OUTAGE_MS))
  assert.ok(atStop < N, `the outage began mid-ingestion (${atStop} of ${N} stored)`)
  assert.ok((await stored()) - atStop < 5000, 'nothing can be stored while Elasticsearch is down (beyond bulks acknowledged before the stop)')
  await es.start()

  await waitFor('the consumer group to commit every offset', () => groupCaughtUp(topic, group), 600_000, 1000)
  const result = await waitFor('all lines searchable', async () => {
    const r = await countSeqs(svc!.url, { cluster: 'outage' }, N)
    return r.hits >= N ? r : undefined
  }, 60_000, 1000)
  assert.equal(exactlyOnceProblems(result.counts), undefined)
  assert.equal(result.other, 0)
  const metrics = await (await fetch(`${svc.url}/metrics`)).text()
  assert.ok(metricValue(metrics, 'flinkwatch_logs_bulk_retries_total') > 0, 'bulks were retried during the outage')
})
