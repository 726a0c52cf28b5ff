import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createChannel } from '../../../alerting/channels/index.js'
import type { Digest } from '../../../alerting/channels/content.js'
import type { AlertEvent, IncidentCause } from '../../../src/model/alert.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { channelConfig, noLinks, transition } from '../alerting/helpers.js'

const bytes = (s: string) => Buffer.byteLength(s, 'utf8')

function cause(extra: Partial<IncidentCause> = {}, long = false): IncidentCause {
  const big = (s: string) => (long ? `${s} ${'x'.repeat(2000)}` : s)
  return {
    class: 'user-code',
    owner: 'job',
    title: 'Exception in user code',
    hint: big('The job’s own code threw an exception. The frames below point at the line.'),
    rule: 'thrown-in-user-code',
    runbook: 'https://runbooks.example.com/user-code',
    evidence: {
      exception: big('java.lang.RuntimeException: poison record received (key=k)'),
      matched: 'Caused by: java.lang.RuntimeException: poison record received (key=k)',
      source: 'exception',
      frames: ['at flinkwatch.testjob.TestJob$CountPerKey.processElement(TestJob.java:143)', '… 25 framework frames'],
      logs: [
        { at: Date.UTC(2026, 0, 1, 10, 0, 2), level: 'ERROR', taskManager: 'tm-1', text: big('KeyedProcess (1/1)#2 switched from RUNNING to FAILED with failure cause: java.lang.RuntimeException: poison') },
        { at: Date.UTC(2026, 0, 1, 10, 0, 1), level: 'WARN', taskManager: 'tm-1', text: 'Checkpoint 7 of job abc expired before completing.' },
      ],
      countLast7d: 3,
      links: { job: 'https://fw.example.com/jobs/c1/orders-id', logs: 'https://fw.example.com/logs?cluster=c1&job=orders-id&from=1&to=2' },
    },
    ...extra,
  }
}

const digest = (n: number, c: (i: number) => IncidentCause | undefined): Digest => ({
  entries: Array.from({ length: n }, (_, i) => {
    const a: AlertEvent = transition(`orders-${i}`).alert
    const ci = c(i)
    if (ci) a.cause = ci
    return { itemId: `i${i}`, kind: 'firing' as const, alert: a, at: 1000 }
  }),
  links: noLinks,
})

const clock = new FakeClock(0)
const channels = {
  lark: createChannel(channelConfig({ id: 'l', type: 'lark', url: 'http://127.0.0.1:1/x' }), clock),
  dingtalk: createChannel(channelConfig({ id: 'd', type: 'dingtalk', url: 'http://127.0.0.1:1/x' }), clock),
  wecom: createChannel(channelConfig({ id: 'w', type: 'wecom', url: 'http://127.0.0.1:1/x' }), clock),
  slack: createChannel(channelConfig({ id: 's', type: 'slack', url: 'http://127.0.0.1:1/x' }), clock),
  sms: createChannel(channelConfig({ id: 'm', type: 'sms', url: 'http://127.0.0.1:1/x', phones: ['+1'] }), clock),
  webhook: createChannel(channelConfig({ id: 'h', type: 'webhook', url: 'http://127.0.0.1:1/x' }), clock),
}

test('one failure: the message carries class, hint, user frame, log lines newest first, 7-day count and links', () => {
  const [m] = channels.lark.render(digest(1, () => cause()))
  const text = JSON.stringify(m!.payload)
  assert.match(text, /\[user-code\]/)
  assert.match(text, /cause user-code\*\* \(job owner\): Exception in user code/)
  assert.match(text, /TestJob\$CountPerKey\.processElement\(TestJob\.java:143\)/)
  assert.match(text, /25 framework frames/)
  assert.ok(text.indexOf('10:00:02 ERROR tm-1') < text.indexOf('10:00:01 WARN tm-1'), 'newest first')
  assert.match(text, /same cause 3× in 7 days/)
  const [long] = channels.lark.render(digest(1, () => cause({ evidence: { ...cause().evidence, logs: [{ at: 0, level: 'WARN', taskManager: 'tm-1', text: `count-per-key -> kafka-sink: Writer (1/1)#2 (${'a'.repeat(70)}) switched from RUNNING to FAILED with failure cause: java.lang.RuntimeException: poison` }] } })))
  assert.match(JSON.stringify(long!.payload), /count-per-key[^`]*…[^`]*FAILED with failure cause: java\.lang\.RuntimeException: poison`/, 'a long line keeps its start and its end')
  assert.match(text, /\[job\]\(https:\/\/fw\.example\.com\/jobs\/c1\/orders-id\)/)
  assert.match(text, /\[logs\]\(https:\/\/fw\.example\.com\/logs\?cluster=c1/)
  assert.equal(text.split('fw.example.com/logs?').length, 2, 'one log search link')
  assert.match(text, /\[runbook\]\(https:\/\/runbooks\.example\.com\/user-code\)/)
})

test('size limits per channel hold with ten long causes: Lark card, DingTalk and WeCom markdown, Slack blocks', () => {
  const d = digest(10, () => cause({}, true))
  for (const m of channels.lark.render(d)) assert.ok(bytes(JSON.stringify(m.payload)) <= 20_000, 'Lark body ≤ 20 KB')
  for (const m of channels.dingtalk.render(d)) assert.ok(bytes(JSON.stringify(m.payload)) <= 20_000, 'DingTalk ≤ 20,000 bytes')
  const wecom = channels.wecom.render(d)
  for (const m of wecom) assert.ok(bytes((m.payload['markdown'] as { content: string }).content) <= 4096, 'WeCom markdown ≤ 4,096 bytes')
  assert.ok(wecom.length > 1, 'WeCom splits rather than truncating everything')
  for (const m of channels.slack.render(d)) {
    const blocks = m.payload['blocks'] as { type: string; text: { text: string } }[]
    assert.ok(blocks.length <= 50)
    for (const b of blocks) assert.ok(b.text.text.length <= 3000)
  }
  const named = new Set([...channels.wecom.render(d), ...channels.lark.render(d)].flatMap((m) => m.itemIds))
  assert.equal(named.size, 10, 'every entry is named')
})

test('SMS: class and job only, within 500 characters', () => {
  for (const m of channels.sms.render(digest(1, () => cause({}, true)))) {
    const text = String(m.payload['text'])
    assert.ok(text.length <= 500, `${text.length}`)
    assert.match(text, /orders-0 \[user-code\]/)
    assert.doesNotMatch(text, /framework frames|same cause|hint|runbook/)
  }
})

test('storm digest groups jobs by cause: "212 jobs: Kafka broker unavailable"', () => {
  const kafka = cause({ class: 'source-sink-unavailable', owner: 'platform', title: 'Kafka broker unavailable' })
  const d = digest(215, (i) => (i < 212 ? kafka : cause()))
  const parts = channels.lark.render(d)
  const text = parts.map((p) => JSON.stringify(p.payload)).join('\n')
  assert.match(text, /By cause: 212 jobs: Kafka broker unavailable \(source-sink-unavailable\); 3 jobs: Exception in user code \(user-code\)/)
  assert.match(text, /Kafka broker unavailable \(source-sink-unavailable\) · c1\*\* \(212\)/)
  const sms = channels.sms.render(d).map((m) => String(m.payload['text'])).join('\n')
  assert.match(sms, /212 jobs: Kafka broker unavailable/)
})

test('webhook: cause and evidence as Alertmanager v4 annotations', () => {
  const [m] = channels.webhook.render(digest(1, () => cause()))
  const alerts = m!.payload['alerts'] as { annotations: Record<string, string> }[]
  const an = alerts[0]!.annotations
  assert.equal(an['cause'], 'user-code')
  assert.equal(an['cause_owner'], 'job')
  assert.match(an['cause_hint']!, /own code/)
  assert.match(an['cause_frames']!, /processElement/)
  assert.match(an['cause_logs']!, /ERROR tm-1/)
  assert.equal(an['cause_count_7d'], '3')
  assert.equal(an['job_url'], 'https://fw.example.com/jobs/c1/orders-id')
  assert.equal(JSON.parse(an['cause_evidence']!).countLast7d, 3)
  for (const v of Object.values(an)) assert.equal(typeof v, 'string')
})

test('without a cause nothing changes: no cause lines, no annotations', () => {
  const [m] = channels.lark.render(digest(1, () => undefined))
  assert.doesNotMatch(JSON.stringify(m!.payload), /cause |\[user-code\]/)
  const [w] = channels.webhook.render(digest(1, () => undefined))
  assert.equal((w!.payload['alerts'] as { annotations: Record<string, string> }[])[0]!.annotations['cause'], undefined)
})
