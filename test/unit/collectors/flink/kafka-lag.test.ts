/**
 * Kafka lag of a KafkaSource (connector 3.4.0-1.20): operator-scoped metric ids discovered per source vertex from
 * the id lists recorded on the stack's Flink 1.20 (test/fixtures/flink/1.20/vertex-metric-ids-source-kafka*.real.json).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createFlinkCollector } from '../../../../platforms/flink/flink-collector.js'
import { discoverSourceIds } from '../../../../platforms/flink/job-manager-poller.js'
import type { FetchLike } from '../../../../platforms/flink/flink-rest-client.js'
import type { FlinkClusterConfig } from '../../../../src/config/sections/clusters.js'
import type { MetricList } from '../../../../platforms/flink/flink-schemas.js'
import { FakeClock } from '../../../helpers/fake-clock.js'
import { FakeFlink, JOB_A, V_SRC, fixture } from './fake-flink.js'

const PENDING = 'Source__kafka-source.pendingRecords'
const LAG_MAX = 'Source__kafka-source.KafkaSourceReader.KafkaConsumer.records-lag-max'
const RECORDS_IN = 'Source__kafka-source.numRecordsInPerSecond'
const before = fixture('1.20', 'vertex-metric-ids-source-kafka-before-assignment.real') as MetricList
const full = fixture('1.20', 'vertex-metric-ids-source-kafka.real') as MetricList

describe('Kafka lag metric ids of a KafkaSource vertex (recorded on Flink 1.20)', () => {
  it('finds pendingRecords (summed) and records-lag-max (max) among the 182 ids; never lists again', () => {
    assert.equal(full.length, 182)
    const ids = discoverSourceIds(full, 1000)
    assert.deepEqual(ids.pending, [PENDING])
    assert.deepEqual(ids.lagMax, [LAG_MAX])
    assert.equal(ids.lag, PENDING)
    assert.equal(ids.lagAgg, 'sum')
    assert.equal(ids.recordsIn, RECORDS_IN)
    assert.equal(ids.retryAt, null, 'ids are stable for a job: listed once')
  })

  it('before partition assignment: only records-lag-max, used meanwhile, listed again later', () => {
    const ids = discoverSourceIds(before, 1000)
    assert.deepEqual(ids.pending, [])
    assert.equal(ids.lag, LAG_MAX)
    assert.equal(ids.lagAgg, 'max')
    assert.ok(ids.retryAt !== null && ids.retryAt > 1000 && ids.retryAt <= 1000 + 5 * 60_000)
  })

  it('an empty list (metric store not filled yet) is listed again 5 s later, then less and less often', () => {
    let ids = discoverSourceIds([], 0)
    assert.equal(ids.retryAt, 5000)
    for (let i = 0; i < 10; i++) ids = discoverSourceIds([], 0, ids)
    assert.ok(ids.retryAt !== null && ids.retryAt > 60_000, 'not every poll forever (a source without metrics)')
  })
})

describe('flink collector reports Kafka lag as the ids appear', () => {
  const config: FlinkClusterConfig = {
    id: 'c1', type: 'flink', url: 'http://jm.test:8081', pollInterval: 10_000, requestTimeout: 5000, downAfter: 3, concurrency: 4,
    checkpointInterval: 60_000, metricsInterval: 60_000, watchInterval: 2000, enabled: true,
  }

  it('lists the source vertex until pendingRecords shows up, reads lag at once, requests both ids with max and sum', async () => {
    const flink = FakeFlink.standard()
    const lists: MetricList[] = [[], before, full]
    const listings: number[] = []
    const queries: URLSearchParams[] = []
    const clock = new FakeClock()
    const sourcePath = `/jobs/${JOB_A}/vertices/${V_SRC}/subtasks/metrics`
    // The source vertex answers like the recorded Flink: id lists without `get`, aggregates for the requested ids.
    const fetch: FetchLike = async (url, init) => {
      const u = new URL(url)
      if (u.pathname !== sourcePath) return flink.fetch(url, init)
      if (!u.search) {
        listings.push(clock.now())
        return Response.json(lists[Math.min(listings.length - 1, lists.length - 1)])
      }
      queries.push(u.searchParams)
      const lag: Record<string, number> = { [PENDING]: 1500, [LAG_MAX]: 900, [RECORDS_IN]: 40, busyTimeMsPerSecond: 100 }
      return Response.json((u.searchParams.get('get') ?? '').split(',').map((id) => ({ id, max: lag[id] ?? 0, avg: lag[id] ?? 0, sum: lag[id] ?? 0 })))
    }
    const collector = createFlinkCollector(config, { clock, fetch })
    const poll = async () => (await collector.collect(new AbortController().signal)).jobs.find((j) => j.jobId === JOB_A)!

    let job = await poll()
    assert.equal(listings.length, 1)
    assert.equal(job.lag, null, 'nothing listed yet')
    await clock.advance(10_000)
    job = await poll()
    assert.equal(listings.length, 2, 'an empty list is tried again at the next poll')
    assert.equal(job.lag, 900, 'records-lag-max (max over subtasks) while pendingRecords is not registered')
    assert.deepEqual(queries.at(-1)?.get('get')?.split(',').filter((id) => id.startsWith('Source__')), [LAG_MAX, RECORDS_IN])

    for (let i = 0; i < 12 && listings.length < 3; i++) {
      await clock.advance(10_000)
      job = await poll()
    }
    assert.equal(listings.length, 3)
    assert.equal(job.lag, 1500, 'pendingRecords summed over subtasks')
    assert.equal(job.vertices[0]?.lag, 1500)
    assert.equal(job.recordsInPerSec, 40)
    const q = queries.at(-1)!
    assert.deepEqual(q.get('get')?.split(',').filter((id) => id.startsWith('Source__')), [PENDING, LAG_MAX, RECORDS_IN])
    assert.match(q.get('agg') ?? '', /max/)
    assert.match(q.get('agg') ?? '', /sum/)

    for (let i = 0; i < 60; i++) {
      await clock.advance(10_000)
      await poll()
    }
    assert.equal(listings.length, 3, 'ids are stable for a job: not listed again')
  })
})

describe('vertex metrics before the JobManager has fetched them', () => {
  it('reads again every 5 s (not a whole metricsInterval) while the answers are empty, then keeps the cadence', async () => {
    let empty = true
    const flink = FakeFlink.standard()
    const base = flink.fetch
    const reads: number[] = []
    const clock = new FakeClock()
    const fetch: FetchLike = async (url, init) => {
      const u = new URL(url)
      if (u.pathname.includes('/vertices/') && u.search) {
        if (u.pathname.includes(V_SRC)) reads.push(clock.now())
        if (empty) return Response.json([])
      }
      return base(url, init)
    }
    const config: FlinkClusterConfig = {
      id: 'c1', type: 'flink', url: 'http://jm.test:8081', pollInterval: 1000, requestTimeout: 5000, downAfter: 3, concurrency: 4,
      checkpointInterval: 60_000, metricsInterval: 60_000, watchInterval: 2000, enabled: true,
    }
    const collector = createFlinkCollector(config, { clock, fetch })
    const poll = async () => (await collector.collect(new AbortController().signal)).jobs.find((j) => j.jobId === JOB_A)!
    const t0 = clock.now()
    assert.equal((await poll()).busy, null)
    for (let i = 0; i < 14; i++) {
      await clock.advance(1000)
      await poll()
    }
    assert.deepEqual(reads.map((t) => t - t0), [0, 5000, 10_000], 'empty answers: again after 5 s')
    empty = false
    for (let i = 0; i < 12; i++) {
      await clock.advance(1000)
      await poll()
    }
    assert.equal(reads.length, 5)
    assert.equal((await poll()).busy, 0.8)
    for (let i = 0; i < 120; i++) {
      await clock.advance(1000)
      await poll()
    }
    assert.ok(reads.length <= 8, `then once per metricsInterval: ${reads.length}`)
  })
})
