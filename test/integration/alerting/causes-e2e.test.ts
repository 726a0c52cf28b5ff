/**
 * Failure causes on the real stack (issue 11). Run under the stack lock: it kills the stack's
 * TaskManager and starts it again.
 *  - the test job's poison record (a RuntimeException in its processElement) is classed
 *    `user-code`; the Lark card shows that frame and the TaskManager's log line of the failure;
 *  - checkpoints that expire (the test job submitted with a 10 ms checkpoint timeout and no tolerable
 *    checkpoint failures, through the jar run's flinkConfiguration) are classed `checkpoint-failure`;
 *  - a deleted Kafka input topic is classed `source-sink-unavailable`. Deleted while the job runs it does not
 *    fail the job: the stack's broker auto-creates topics (auto.create.topics.enable=true in
 *    test/stack/services/kafka.sh) and the job's own consumer asks for the topic at once, so it is back, empty,
 *    within a second and the source carries on from its start (the test asserts that). The failure comes when
 *    the job starts again without the topic: cancelled, topic deleted, resubmitted from its retained checkpoint,
 *    the source's enumerator finds no such topic;
 *  - a killed TaskManager's restart-loop alert is classed `taskmanager-lost`.
 * Each failure is also written as a corpus entry (test/fixtures/failures/corpus/real-stack-*.json)
 * when FLINKWATCH_WRITE_CORPUS=1.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { ROOT, STACK, cancelJob, createTopic, getJson, kafka, produce, submitTestJob, testJobArgs, uniqueId, uploadTestJar, waitFor, waitForCompletedCheckpoint, waitForJobState, type TestJobOptions } from '../../helpers/stack.js'
import { startService, testConfig, type RunningService } from '../../helpers/service.js'
import { FakeLarkBot } from '../../fakes/chat/lark.js'
import type { AlertEvent } from '../../../src/model/alert.js'

const SECRET = 'causes-secret'
type Card = { card: { header: { title: { content: string } }; body: { elements: { content: string }[] } } }

function writeCorpus(id: string, label: string, note: string, a: AlertEvent, exception: string | null): void {
  if (!process.env['FLINKWATCH_WRITE_CORPUS']) return
  const entry = { id, source: 'test-stack:test/integration/alerting/causes-e2e.test.ts (FLINKWATCH_WRITE_CORPUS=1)', label, note, failure: { exception: exception ?? '', logs: a.cause?.evidence.logs.map((l) => `${new Date(l.at).toISOString()} ${l.level} ${l.text}`) ?? [] } }
  writeFileSync(new URL(`../../fixtures/failures/corpus/${id}.json`, import.meta.url), `${JSON.stringify(entry, null, 2)}\n`)
}

/** The test job submitted with Flink options of its own (the jar run's `flinkConfiguration`, Flink 1.17+). */
async function submitWithFlinkConfig(o: TestJobOptions, flinkConfiguration: Record<string, string>): Promise<string> {
  const jarId = await uploadTestJar()
  // Checkpoints every 100 ms: with a 10 ms timeout most expire, but some complete in time on a fast stack, and at the
  // job's default 2 s interval the three failovers to FAILED took from 7 s to over 120 s.
  const body = { programArgsList: [...testJobArgs(o), '--checkpoint-interval', '100'], parallelism: 1, flinkConfiguration }
  const r = await getJson<{ jobid: string }>(`${STACK.flink}/jars/${jarId}/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return r.jobid
}

const tasksRunning = (jobId: string) => waitFor('tasks RUNNING', async () => {
  const d = await getJson<{ state: string; vertices: { status: string }[] }>(`${STACK.flink}/jobs/${jobId}`)
  return d.state === 'RUNNING' && d.vertices.length > 0 && d.vertices.every((v) => v.status === 'RUNNING')
}, 60_000)

describe('failure causes on the real stack', () => {
  let svc: RunningService
  let lark: FakeLarkBot
  const name = uniqueId('fw-cause')
  const jobIds: string[] = []

  before(async () => {
    lark = await new FakeLarkBot(SECRET).start()
    svc = await startService(
      testConfig({
        server: { host: '127.0.0.1', port: 0, publicUrl: 'https://flinkwatch.example.com' },
        clusters: [{ id: 'stack', type: 'flink', url: STACK.flink, pollInterval: '1s', requestTimeout: '2s' }],
        logs: { kafka: { brokers: [STACK.kafka], topics: [STACK.logsTopic], groupId: uniqueId('fw-causes'), fromBeginning: false } },
        alerting: {
          rulesFile: new URL('../../../config/rules.yaml', import.meta.url).pathname,
          rules: [
            { name: 'job-failed', match: { job: `${name}.*` } },
            { name: 'restart-loop', match: { job: `${name}-tm` }, params: { restarts: 1, window: '10m' } },
          ],
          routes: [{ channels: ['oncall'], match: { job: `${name}.*` } }],
          channels: [{ id: 'oncall', type: 'lark', url: `${lark.url}/open-apis/bot/v2/hook/causes`, secret: SECRET }],
        },
      }),
    )
    // The log consumer starts at the topic's end: wait until it has joined, or the failure's lines are missed.
    await waitFor('log consumer joined', async () => {
      const r = await fetch(`${svc.url}/readyz`)
      return r.ok
    }, 60_000, 500)
  })
  after(async () => {
    for (const id of jobIds) await cancelJob(id).catch(() => undefined)
    await svc?.stop()
    await lark?.stop()
  })

  const cards = () => lark.delivered.map((d) => d.json as Card)
  const text = (c: Card) => `${c.card.header.title.content}\n${c.card.body.elements.map((e) => e.content).join('\n')}`
  const incident = async (rule: string, job: string) => {
    const { alerts } = await getJson<{ alerts: AlertEvent[] }>(`${svc.url}/api/v1/alerts?state=all&rule=${rule}&job=${job}`)
    return alerts[0]
  }
  /** The job-failed incident once it carries its cause. */
  const failedIncident = (job: string) => waitFor(`a classified job-failed incident for ${job}`, async () => {
    const a = await incident('job-failed', job)
    return a?.cause ? a : undefined
  }, 120_000)

  it('the poison record is user-code: the card shows the frame in processElement and the TaskManager line', async () => {
    const job = `${name}-poison`
    const input = `${job}-in`
    await createTopic(input)
    await createTopic(`${job}-out`)
    const jobId = await submitTestJob({ name: job, input, output: `${job}-out` })
    jobIds.push(jobId)
    await waitFor('job RUNNING', async () => (await getJson<{ state: string }>(`${STACK.flink}/jobs/${jobId}`)).state === 'RUNNING', 60_000)
    await produce(input, [{ key: 'k', value: 'poison' }])
    const card = await waitFor('a firing card', async () => cards().find((c) => /FIRING/.test(text(c)) && text(c).includes(job)), 120_000)
    const t = text(card)
    assert.match(t, /\[user-code\]/)
    assert.match(t, /cause user-code/)
    assert.match(t, /flinkwatch\.testjob\.TestJob\$CountPerKey\.processElement\(TestJob\.java:\d+\)/, 'the user frame')
    assert.match(t, /framework frame/, 'framework frames folded')
    assert.match(t, /(ERROR|WARN) local-tm-1 `[^`]*(poison|FAILED)/, 'the TaskManager line of the failure')
    assert.ok(t.includes(`https://flinkwatch.example.com/jobs/stack/${jobId}`), 'job page link')
    assert.match(t, /https:\/\/flinkwatch\.example\.com\/logs\?cluster=stack&job=/)
    const a = await incident('job-failed', job)
    assert.equal(a?.cause?.class, 'user-code')
    assert.equal(a?.cause?.owner, 'job')
    const one = await getJson<{ alert: AlertEvent }>(`${svc.url}/api/v1/alerts/${a!.id}`)
    assert.equal(one.alert.cause?.class, 'user-code')
    assert.ok(one.alert.cause!.evidence.frames.some((f) => f.includes('TestJob$CountPerKey.processElement')))
    assert.ok(one.alert.cause!.evidence.logs.length > 0, 'log evidence')
    const metrics = await (await fetch(`${svc.url}/metrics`)).text()
    assert.match(metrics, new RegExp(`flinkwatch_job_failures_total\\{cluster="stack",job_name="${job}",cause="user-code"\\} 1`))
    const detail = await getJson<{ exceptions: { stackTrace: string | null }[] }>(`${svc.url}/api/v1/jobs/stack/${jobId}`).catch(() => ({ exceptions: [] }))
    writeCorpus('real-stack-poison-record', 'user-code', 'The flinkwatch test job throws a RuntimeException from its processElement on a "poison" record (real stack, Flink 1.20).', one.alert, detail.exceptions[0]?.stackTrace ?? null)
  })

  it('checkpoints that expire (10 ms timeout, no tolerable failures) are checkpoint-failure', async () => {
    const job = `${name}-ckpt`
    const o = { name: job, input: `${job}-in`, output: `${job}-out` }
    await createTopic(o.input)
    await createTopic(o.output)
    // 10 ms is the smallest timeout Flink accepts; a checkpoint of the test job (Kafka source and sink, file
    // storage) takes longer on this stack, so its checkpoints expire, and with no tolerable failures each expiry
    // fails the job over (the cluster's 2 fixed-delay restarts, then FAILED): about 6 s after the submit.
    const jobId = await submitWithFlinkConfig(o, { 'execution.checkpointing.timeout': '10 ms', 'execution.checkpointing.tolerable-failed-checkpoints': '0' })
    jobIds.push(jobId)
    const config = await getJson<{ timeout: number; tolerable_failed_checkpoints: number }>(`${STACK.flink}/jobs/${jobId}/checkpoints/config`)
    assert.equal(config.timeout, 10, 'Flink took the job\'s checkpoint timeout')
    assert.equal(config.tolerable_failed_checkpoints, 0)
    await waitForJobState(jobId, ['FAILED'], 120_000)
    const history = await getJson<{ counts: { failed: number }; history: { status: string; failure_message?: string | null }[] }>(`${STACK.flink}/jobs/${jobId}/checkpoints`)
    assert.ok(history.counts.failed >= 1, JSON.stringify(history.counts))
    assert.ok(history.history.some((h) => h.status === 'FAILED' && /expired before completing/.test(h.failure_message ?? '')), 'Flink\'s checkpoint history says the checkpoint expired')
    const a = await failedIncident(job)
    assert.equal(a.cause?.class, 'checkpoint-failure', JSON.stringify(a.cause))
    assert.equal(a.cause?.owner, 'job')
    assert.match(a.cause?.evidence.matched ?? '', /tolerable failure|expired/i)
    const detail = await getJson<{ exceptions: { stackTrace: string | null }[] }>(`${svc.url}/api/v1/jobs/stack/${jobId}`).catch(() => ({ exceptions: [] }))
    assert.match(detail.exceptions[0]?.stackTrace ?? '', /Exceeded checkpoint tolerable failure threshold[\s\S]*Checkpoint expired before completing/)
    writeCorpus('real-stack-checkpoint-timeout', 'checkpoint-failure', 'The flinkwatch test job submitted with execution.checkpointing.timeout 10 ms and tolerable-failed-checkpoints 0 (the jar run\'s flinkConfiguration): its checkpoints expire and, with no tolerable failures, each expiry fails the job over, FAILED after the cluster\'s 2 fixed-delay restarts (real stack, Flink 1.20).', a, detail.exceptions[0]?.stackTrace ?? null)
  })

  it('a deleted Kafka topic is source-sink-unavailable (deleted while running it comes back; the job fails when it starts again)', async () => {
    const job = `${name}-topic`
    const o = { name: job, input: `${job}-in`, output: `${job}-out` }
    await createTopic(o.input)
    await createTopic(o.output)
    const jobId = await submitTestJob(o)
    jobIds.push(jobId)
    await tasksRunning(jobId)
    await produce(o.input, [{ value: 'a' }])
    const admin = kafka().admin()
    await admin.connect()
    try {
      const high = async () => (await admin.fetchTopicOffsets(o.input)).map((p) => p.high).join(',')
      await waitFor('the record on the input topic', async () => (await high()) === '1')
      // 1. Deleted while the job runs: the job's Kafka consumer asks for the topic at once and the broker
      // (auto.create.topics.enable=true) creates it again, empty (high watermark 0). The job keeps RUNNING.
      await admin.deleteTopics({ topics: [o.input] })
      await waitFor('the input topic created again, empty', async () => (await high()) === '0', 30_000)
      const kafkaLog = readFileSync(`${ROOT}.stack/logs/kafka.log`, 'utf8')
      assert.ok(kafkaLog.includes(`Sent auto-creation request for Set(${o.input})`), 'the broker auto-created it (a client asked for it)')
      await new Promise((r) => setTimeout(r, 3000))
      assert.equal((await getJson<{ state: string }>(`${STACK.flink}/jobs/${jobId}`)).state, 'RUNNING')
      const ex = await getJson<{ exceptionHistory: { entries: unknown[] } }>(`${STACK.flink}/jobs/${jobId}/exceptions`)
      assert.equal(ex.exceptionHistory.entries.length, 0, 'nothing failed')
      // 2. Stopped, topic deleted, started again from its retained checkpoint: no consumer runs to recreate the
      // topic, and the source's enumerator (AdminClient describeTopics, which never auto-creates) finds none.
      const checkpoint = await waitForCompletedCheckpoint(jobId)
      await cancelJob(jobId)
      await waitForJobState(jobId, ['CANCELED'])
      await admin.deleteTopics({ topics: [o.input] })
      await waitFor('the input topic gone', async () => !(await admin.listTopics()).includes(o.input))
      const again = await submitTestJob({ ...o, savepointPath: checkpoint.external_path })
      jobIds.push(again)
      await waitForJobState(again, ['FAILED'], 120_000)
      assert.ok(!(await admin.listTopics()).includes(o.input), 'still no input topic')
      const a = await failedIncident(job)
      assert.equal(a.jobId, again)
      assert.equal(a.cause?.class, 'source-sink-unavailable', JSON.stringify(a.cause))
      assert.equal(a.cause?.owner, 'platform')
      const detail = await getJson<{ exceptions: { stackTrace: string | null }[] }>(`${svc.url}/api/v1/jobs/stack/${again}`).catch(() => ({ exceptions: [] }))
      assert.match(detail.exceptions[0]?.stackTrace ?? '', /Failed to get metadata for topics \[[^\]]*-in\][\s\S]*UnknownTopicOrPartitionException/)
      writeCorpus('real-stack-kafka-topic-deleted', 'source-sink-unavailable', 'The flinkwatch test job\'s Kafka input topic was deleted. Deleted while the job ran, the broker (auto.create.topics.enable=true) created it again within a second at the job consumer\'s request and the job kept running; this is the failure once the job was cancelled, the topic deleted and the job resubmitted from its retained checkpoint: the Kafka source\'s enumerator finds no such topic, FAILED after the cluster\'s 2 fixed-delay restarts (real stack, Flink 1.20, flink-connector-kafka 3.4.0-1.20).', a, detail.exceptions[0]?.stackTrace ?? null)
    } finally {
      await admin.disconnect()
    }
  })

  it('a killed TaskManager is taskmanager-lost (and the TaskManager is started again)', async () => {
    const job = `${name}-tm`
    const input = `${job}-in`
    await createTopic(input)
    await createTopic(`${job}-out`)
    const jobId = await submitTestJob({ name: job, input, output: `${job}-out` })
    jobIds.push(jobId)
    // Its tasks must run on the TaskManager: a job RUNNING with tasks still waiting for a slot does not fail over.
    await waitFor('tasks RUNNING', async () => {
      const d = await getJson<{ state: string; vertices: { status: string }[] }>(`${STACK.flink}/jobs/${jobId}`)
      return d.state === 'RUNNING' && d.vertices.length > 0 && d.vertices.every((v) => v.status === 'RUNNING')
    }, 60_000)
    const pid = Number(readFileSync(`${ROOT}.stack/run/flink-taskmanager.pid`, 'utf8').trim())
    process.kill(pid, 'SIGKILL')
    try {
      const card = await waitFor('a restart-loop card', async () => cards().find((c) => /FIRING/.test(text(c)) && text(c).includes(job) && /restart-loop/.test(text(c))), 120_000).catch((err: unknown) => {
        throw new Error(`${String(err)}; cards: ${cards().map((c) => c.card.header.title.content).join(' | ')}`)
      })
      assert.match(text(card), /\[taskmanager-lost\]/, text(card))
      const a = await incident('restart-loop', job)
      assert.equal(a?.cause?.class, 'taskmanager-lost')
      assert.equal(a?.cause?.owner, 'platform')
      const detail = await getJson<{ exceptions: { stackTrace: string | null }[] }>(`${svc.url}/api/v1/jobs/stack/${jobId}`).catch(() => ({ exceptions: [] }))
      writeCorpus('real-stack-taskmanager-killed', 'taskmanager-lost', 'The stack\'s only TaskManager was killed with SIGKILL while the test job ran (real stack, Flink 1.20).', a!, detail.exceptions[0]?.stackTrace ?? null)
    } finally {
      // Close every inherited descriptor first: the stack lock's descriptor (flock's, inherited through node)
      // would otherwise stay open in the new TaskManager and hold the lock for as long as it runs.
      const restart = 'for fd in $(ls /proc/$$/fd); do if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi; done 2>/dev/null; source test/stack/common.sh && flink_tm_start && flink_tm_wait'
      execFileSync('bash', ['-c', restart], { cwd: ROOT, stdio: 'ignore', timeout: 180_000 })
    }
  })
})
