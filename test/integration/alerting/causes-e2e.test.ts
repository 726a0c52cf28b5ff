/**
 * Failure causes on the real stack (issue 11). Run under the stack lock: it kills the stack's
 * TaskManager and starts it again.
 *  - the test job's poison record (a RuntimeException in its processElement) is classed
 *    `user-code`; the Lark card shows that frame and the TaskManager's log line of the failure;
 *  - a killed TaskManager's restart-loop alert is classed `taskmanager-lost`.
 * Each failure is also written as a corpus entry (test/fixtures/failures/corpus/real-stack-*.json)
 * when FLINKWATCH_WRITE_CORPUS=1.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { ROOT, STACK, cancelJob, createTopic, getJson, produce, submitTestJob, uniqueId, waitFor } from '../../helpers/stack.js'
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
