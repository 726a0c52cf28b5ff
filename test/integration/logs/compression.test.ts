/**
 * Record batches compressed with every codec Kafka's Java producer offers (what Flink's log4j Kafka appender
 * sends with `compression.type`), produced by Kafka's own console producer, are consumed through flinkwatch's
 * Kafka log source: every line is stored exactly once, and nothing is rejected.
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ROOT, STACK, createTopic, uniqueId, waitFor } from '../../helpers/stack.js'
import { startService, testConfig, type RunningService } from '../../helpers/service.js'
import { countSeqs, deleteKafkaLeftovers, exactlyOnceProblems, metricValue } from './harness.js'
import { makeLine, rng } from './lines.js'

const N = 3000
const T0 = Date.UTC(2026, 0, 5, 6)
const CODECS = ['lz4', 'snappy', 'zstd', 'gzip', 'none'] as const

/** `key<TAB>value` lines into Kafka's ConsoleProducer (the broker's own jars) with the given compression. */
async function produceWithJava(topic: string, codec: string, lines: string[]): Promise<void> {
  const java = process.env['JAVA_HOME'] ? join(process.env['JAVA_HOME'], 'bin/java') : 'java'
  const args = [
    '-Xmx256m',
    '-XX:TieredStopAtLevel=1',
    `-Dlog4j.configuration=file:${join(ROOT, '.stack/kafka/tools-log4j.properties')}`,
    '-cp',
    join(ROOT, '.stack/kafka/libs/*'),
    'kafka.tools.ConsoleProducer',
    '--bootstrap-server',
    STACK.kafka,
    '--topic',
    topic,
    '--compression-codec',
    codec,
    '--property',
    'parse.key=true',
    '--property',
    'key.separator=\t',
    '--producer-property',
    'linger.ms=20',
    '--producer-property',
    'batch.size=262144',
    '--producer-property',
    'acks=all',
  ]
  const p = spawn(java, args, { stdio: ['pipe', 'ignore', 'pipe'] })
  let err = ''
  p.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const done = new Promise<number | null>((resolve) => p.once('exit', resolve))
  p.stdin.end(lines.join('\n') + '\n')
  const code = await done
  if (code !== 0) throw new Error(`ConsoleProducer (${codec}) exited with ${code}: ${err.slice(-2000)}`)
}

/** The codecs of the record batches on disk (Kafka's DumpLogSegments), to prove the producer really compressed. */
function codecsOnDisk(topic: string): Set<string> {
  const java = process.env['JAVA_HOME'] ? join(process.env['JAVA_HOME'], 'bin/java') : 'java'
  const segment = join(ROOT, '.stack/kafka/data', `${topic}-0`, '00000000000000000000.log')
  const r = spawnSync(java, ['-Xmx128m', '-XX:TieredStopAtLevel=1', `-Dlog4j.configuration=file:${join(ROOT, '.stack/kafka/tools-log4j.properties')}`, '-cp', join(ROOT, '.stack/kafka/libs/*'), 'kafka.tools.DumpLogSegments', '--files', segment], { encoding: 'utf8' })
  return new Set([...r.stdout.matchAll(/compresscodec: (\w+)/g)].map((m) => m[1]!.toLowerCase()))
}

describe('Kafka compression codecs', { timeout: 300_000 }, () => {
  const topics = CODECS.map((c) => uniqueId(`fw-logs-codec-${c}`))
  const group = uniqueId('g-codec')
  let svc: RunningService | undefined

  before(async () => {
    for (const t of topics) await createTopic(t, 2)
    await Promise.all(
      CODECS.map(async (codec, k) => {
        const r = rng(20 + k)
        const lines = Array.from({ length: N }, (_, i) => {
          const l = makeLine(i, r, { start: T0, stepMs: 5, cluster: `codec-${codec}`, stackShare: 0.1 })
          return `${l.key}\t${l.value}`
        })
        await produceWithJava(topics[k]!, codec, lines)
        assert.deepEqual([...codecsOnDisk(topics[k]!)], [codec], `${codec}: batches on disk`)
      }),
    )
    svc = await startService(
      testConfig({
        logs: { kafka: { brokers: [STACK.kafka], topics, groupId: group }, rateLimit: { perJob: { linesPerSecond: 1e6, burst: 1e6 }, perTaskManager: { linesPerSecond: 1e6, burst: 1e6 } } },
      }),
    )
  })

  after(async () => {
    await svc?.stop()
    await deleteKafkaLeftovers(topics, [group])
  })

  for (const codec of CODECS) {
    it(`stores every line of ${codec}-compressed batches exactly once`, async () => {
      const result = await waitFor(`the ${codec} lines stored`, async () => {
        const r = await countSeqs(svc!.url, { cluster: `codec-${codec}` }, N)
        return r.hits >= N ? r : undefined
      }, 120_000, 500)
      assert.equal(exactlyOnceProblems(result.counts), undefined)
      assert.equal(result.other, 0)
    })
  }

  it('rejected nothing and reports the consumer ready', async () => {
    const metrics = await (await fetch(`${svc!.url}/metrics`)).text()
    assert.equal(metricValue(metrics, 'flinkwatch_logs_rejected_total'), 0)
    const ready = (await (await fetch(`${svc!.url}/readyz`)).json()) as unknown
    assert.match(JSON.stringify(ready), /consuming/)
  })
})
