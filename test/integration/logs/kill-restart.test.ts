/**
 * (d) flinkwatch (a real `flinkwatch serve` child process) is killed with SIGKILL during a 100,000-line
 * ingestion and started again with the same configuration: every line is searchable exactly once, on the
 * embedded store and on Elasticsearch.
 */
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { STACK, createTopic, uniqueId, waitFor } from '../../helpers/stack.js'
import { FlinkwatchProcess, countSeqs, deleteKafkaLeftovers, exactlyOnceProblems, freePort, groupCaughtUp, produceLines } from './harness.js'

const N = 100_000
const T0 = Date.UTC(2026, 0, 3, 8)

describe('SIGKILL during ingestion', { timeout: 900_000 }, () => {
  const topics: string[] = []
  const groups: string[] = []
  const prefixes: string[] = []
  let proc: FlinkwatchProcess | undefined

  after(async () => {
    await proc?.kill('SIGKILL')
    await deleteKafkaLeftovers(topics, groups)
    for (const p of prefixes) {
      await fetch(`${STACK.elasticsearch}/${p}-*`, { method: 'DELETE' }).catch(() => undefined)
      await fetch(`${STACK.elasticsearch}/_index_template/${p}-*`, { method: 'DELETE' }).catch(() => undefined)
    }
  })

  for (const backend of ['embedded', 'elasticsearch'] as const) {
    it(`stores every line exactly once after a SIGKILL and restart (${backend})`, async () => {
      const topic = uniqueId('fw-logs-kill')
      const group = uniqueId('g-kill')
      const prefix = uniqueId('fwkill')
      topics.push(topic)
      groups.push(group)
      prefixes.push(prefix)
      const cluster = `kill-${backend}`
      await createTopic(topic, 3)
      await produceLines(topic, 0, N, { start: T0, stepMs: 3, cluster, seed: 5 })
      const storage = backend === 'embedded' ? { type: 'embedded', path: mkdtempSync(join(tmpdir(), 'fw-kill-')) } : { type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: prefix }
      proc = new FlinkwatchProcess(
        {
          storage,
          logs: {
            kafka: { brokers: [STACK.kafka], topics: [topic], groupId: group },
            rateLimit: { perJob: { linesPerSecond: 1e6, burst: 1e6 }, perTaskManager: { linesPerSecond: 1e6, burst: 1e6 } },
            bulk: { maxRecords: 1000 },
          },
        },
        await freePort(),
      )
      await proc.start()
      const p = proc
      await waitFor('a first part of the lines stored', async () => (await p.metric('flinkwatch_logs_records_stored_total')) >= 15_000, 180_000, 50)
      const atKill = await p.metric('flinkwatch_logs_records_stored_total')
      await p.kill('SIGKILL')
      assert.ok(atKill < N, `killed mid-ingestion (${atKill} of ${N} stored)`)
      assert.equal(await groupCaughtUp(topic, group), false, 'offsets were left uncommitted by the kill')

      await p.start()
      await waitFor('the consumer group to commit every offset', () => groupCaughtUp(topic, group), 600_000, 1000)
      const result = await waitFor('all lines searchable', async () => {
        const r = await countSeqs(p.url, { cluster }, N)
        return r.hits >= N ? r : undefined
      }, 60_000, 1000)
      assert.equal(exactlyOnceProblems(result.counts), undefined)
      assert.equal(result.other, 0)
      await p.kill('SIGTERM')
    })
  }
})
