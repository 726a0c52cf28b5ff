/**
 * Real stack end to end: the test job fails on its poison record, and a signed Lark card naming it
 * arrives at the fake Lark bot (which checks the signature and the 5/s, 100/min limit); the job is
 * submitted again under the same name and a resolved message follows.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { STACK, cancelJob, createTopic, getJson, produce, submitTestJob, uniqueId, waitFor } from '../../helpers/stack.js'
import { startService, testConfig, type RunningService } from '../../helpers/service.js'
import { FakeLarkBot } from '../../fakes/chat/lark.js'

const SECRET = 'e2e-secret'

describe('alerting end to end on the real Flink', () => {
  let svc: RunningService
  let lark: FakeLarkBot
  const name = uniqueId('fw-alert')
  const jobIds: string[] = []

  before(async () => {
    lark = await new FakeLarkBot(SECRET).start()
    svc = await startService(
      testConfig({
        clusters: [{ id: 'stack', type: 'flink', url: STACK.flink, pollInterval: '1s', requestTimeout: '2s' }],
        alerting: {
          rulesFile: new URL('../../../config/rules.yaml', import.meta.url).pathname,
          // Only this test's job: the shared Flink runs other tests' jobs too.
          rules: [{ name: 'job-failed', match: { job: name } }],
          routes: [{ channels: ['oncall'], match: { job: name } }],
          channels: [{ id: 'oncall', type: 'lark', url: `${lark.url}/open-apis/bot/v2/hook/e2e`, secret: SECRET }],
          links: { flinkwatchUrl: 'https://flinkwatch.example.com', grafanaUrl: 'https://grafana.example.com' },
        },
      }),
    )
  })
  after(async () => {
    for (const id of jobIds) await cancelJob(id)
    await svc?.stop()
    await lark?.stop()
  })

  const cards = () => lark.delivered.map((d) => d.json as { card: { header: { title: { content: string } }; body: { elements: { content: string }[] } } })
  const text = (c: ReturnType<typeof cards>[number]) => `${c.card.header.title.content}\n${c.card.body.elements.map((e) => e.content).join('\n')}`

  it('a failed job becomes a signed Lark card naming it, with cluster, id, cause and links', async () => {
    const input = `${name}-in`
    await createTopic(input)
    await createTopic(`${name}-out`)
    const jobId = await submitTestJob({ name, input, output: `${name}-out` })
    jobIds.push(jobId)
    await waitFor('job RUNNING', async () => (await getJson<{ state: string }>(`${STACK.flink}/jobs/${jobId}`)).state === 'RUNNING', 60_000)
    await produce(input, [{ key: 'k', value: 'poison' }])
    const card = await waitFor('a firing card for the job', async () => cards().find((c) => /FIRING/.test(text(c)) && text(c).includes(name)), 120_000)
    const t = text(card)
    assert.match(t, /job-failed/)
    assert.match(t, /stack/)
    assert.ok(t.includes(jobId), 'names the job id')
    assert.match(t, /poison/)
    // The console's log search (issue 13), not the JSON API.
    assert.match(t, /\[logs\]\(https:\/\/flinkwatch\.example\.com\/logs\?cluster=stack&job=[0-9a-f]{32}&from=/)
    assert.match(t, /\[Flink UI\]\(http:\/\/127\.0\.0\.1:8081\/#\/job\/completed\//)
    assert.equal(lark.rejected, 0, 'signature accepted')
    assert.equal(lark.throttled, 0)
    const { alerts } = await getJson<{ alerts: { jobName: string; state: string }[] }>(`${svc.url}/api/v1/alerts?state=firing`)
    assert.ok(alerts.some((a) => a.jobName === name))
  })

  it('the job running again under the same name sends a resolved message', async () => {
    const input = `${name}-in2`
    await createTopic(input)
    const jobId = await submitTestJob({ name, input, output: `${name}-out` })
    jobIds.push(jobId)
    const card = await waitFor('a resolved card', async () => cards().find((c) => /RESOLVED/.test(text(c)) && text(c).includes(name)), 120_000)
    assert.match(text(card), /resolved at/)
    const firing = cards().filter((c) => /FIRING/.test(text(c)) && text(c).includes(name))
    assert.equal(firing.length, 1, 'one firing message for the incident')
  })
})
