/**
 * (e) Rate limiting end to end: a job logging ten times its limit is held within 5% of limit + burst (over
 * the records' own log time), with markers that account for every dropped line, while a quiet job's lines
 * all arrive. On both backends, through Kafka.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { LogHit } from '../../../src/logs/document.js'
import { STACK, createTopic, kafka, uniqueId, waitFor } from '../../helpers/stack.js'
import { startService, testConfig, type RunningService } from '../../helpers/service.js'
import { deleteKafkaLeftovers, groupCaughtUp, metricValue } from './harness.js'
import { JOBS } from './lines.js'

const LIMIT = 100
const BURST = 200
const SECONDS = 10
const NOISY = LIMIT * 10 * SECONDS
const QUIET = 300
// Log time well in the past and aligned, so clock skew never applies and windows are predictable.
const T0 = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000

function line(job: (typeof JOBS)[number], tm: string, ts: number, i: number): string {
  return JSON.stringify({ '@timestamp': new Date(ts).toISOString(), 'log.level': 'INFO', message: `rl line seq=${i} of ${job.name}`, 'log.logger': 'x.Y', 'flink.job.id': job.id, 'flink.job.name': job.name, 'flink.taskmanager.id': tm, 'flink.cluster': 'rl' })
}

async function total(svc: RunningService, qs: Record<string, string>): Promise<{ hits: LogHit[]; total: number }> {
  const res = await fetch(`${svc.url}/api/v1/logs/search?${new URLSearchParams({ limit: '1000', ...qs })}`)
  assert.equal(res.status, 200)
  return (await res.json()) as { hits: LogHit[]; total: number }
}

describe('rate limiting through Kafka', { timeout: 300_000 }, () => {
  const topics: string[] = []
  const groups: string[] = []
  const prefixes: string[] = []
  let svc: RunningService | undefined

  after(async () => {
    await svc?.stop()
    await deleteKafkaLeftovers(topics, groups)
    for (const p of prefixes) {
      await fetch(`${STACK.elasticsearch}/${p}-*`, { method: 'DELETE' }).catch(() => undefined)
      await fetch(`${STACK.elasticsearch}/_index_template/${p}-*`, { method: 'DELETE' }).catch(() => undefined)
    }
  })

  for (const backend of ['embedded', 'elasticsearch'] as const) {
    it(`holds a noisy job within 5% of limit + burst and lets a quiet job through (${backend})`, async () => {
      const [noisy, quiet] = [JOBS[0]!, JOBS[1]!]
      const topic = uniqueId('fw-logs-rl')
      const group = uniqueId('g-rl')
      const prefix = uniqueId('fwrl')
      topics.push(topic)
      groups.push(group)
      prefixes.push(prefix)
      // One partition, in log-time order: the noisy job at 10x its limit, the quiet one at 0.3x, interleaved.
      await createTopic(topic, 1)
      const messages: { key: string; value: string; ts: number }[] = []
      for (let i = 0; i < NOISY; i++) messages.push({ key: noisy.id, value: '', ts: T0 + Math.floor((i * SECONDS * 1000) / NOISY) })
      for (let i = 0; i < QUIET; i++) messages.push({ key: quiet.id, value: '', ts: T0 + Math.floor((i * SECONDS * 1000) / QUIET) })
      messages.sort((a, b) => a.ts - b.ts)
      const seqs = new Map<string, number>()
      for (const m of messages) {
        const job = m.key === noisy.id ? noisy : quiet
        const i = seqs.get(job.id) ?? 0
        seqs.set(job.id, i + 1)
        m.value = line(job, m.key === noisy.id ? 'tm-a' : 'tm-b', m.ts, i)
      }
      const producer = kafka().producer()
      await producer.connect()
      for (let i = 0; i < messages.length; i += 2000) await producer.send({ topic, messages: messages.slice(i, i + 2000).map(({ key, value }) => ({ key, value })) })
      await producer.disconnect()

      const storage = backend === 'embedded' ? {} : { storage: { type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: prefix } }
      svc = await startService(
        testConfig({
          ...storage,
          logs: { kafka: { brokers: [STACK.kafka], topics: [topic], groupId: group }, rateLimit: { perJob: { linesPerSecond: LIMIT, burst: BURST }, perTaskManager: { linesPerSecond: 1e6, burst: 1e6 }, markerInterval: '1s' } },
        }),
      )
      const s = svc
      await waitFor('the consumer group to commit every offset', () => groupCaughtUp(topic, group), 120_000, 500)
      // Markers of the last window are written by the marker timer (markerInterval of wall time).
      const expectedAdmitted = BURST + LIMIT * SECONDS
      const markers = await waitFor('markers accounting for every dropped line', async () => {
        const r = await total(s, { job: noisy.id, q: '"dropped by rate limit"' })
        const m = r.hits.filter((h) => h.marker)
        const droppedByMarkers = m.reduce((n, h) => n + Number(/^(\d+) lines dropped/.exec(h.message)?.[1] ?? 0), 0)
        const admitted = (await total(s, { job: noisy.id, q: 'rl' })).total
        return admitted + droppedByMarkers === NOISY ? { m, admitted } : undefined
      }, 60_000, 500)
      assert.ok(Math.abs(markers.admitted - expectedAdmitted) <= 0.05 * expectedAdmitted, `noisy job admitted ${markers.admitted}, expected ${expectedAdmitted} ± 5%`)
      assert.ok(markers.m.length >= 1)
      assert.equal(markers.m[0]!.jobName, noisy.name)
      assert.equal((await total(s, { job: quiet.id, q: 'rl' })).total, QUIET, 'every line of the quiet job arrived')
      assert.equal((await total(s, { job: quiet.id, q: '"dropped by rate limit"' })).total, 0)
      const metrics = await (await fetch(`${s.url}/metrics`)).text()
      assert.equal(metricValue(metrics, 'flinkwatch_logs_dropped_total'), NOISY - markers.admitted)
      await s.stop()
      svc = undefined
    })
  }
})
