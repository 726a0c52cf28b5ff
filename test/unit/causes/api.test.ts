import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildApp } from '../../../src/app.js'
import { testConfig } from '../../helpers/service.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { toDocument } from '../../../src/logs/document.js'
import type { AlertEvent } from '../../../src/model/alert.js'
import type { LogRecord } from '../../../src/model/log-record.js'
import { job, quietLogger } from '../alerting/helpers.js'

const POISON = [
  'org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=2, backoffTimeMS=1000)',
  '\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:180)',
  'Caused by: java.lang.RuntimeException: poison record received (key=k)',
  '\tat flinkwatch.testjob.TestJob$CountPerKey.processElement(TestJob.java:143)',
  '\tat org.apache.flink.streaming.api.operators.KeyedProcessOperator.processElement(KeyedProcessOperator.java:83)',
].join('\n')

async function until<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('timed out')
}

test('a failed job’s incident carries its cause in GET /alerts/:id, the failure is counted by cause, patterns are served', async () => {
  const now = Date.UTC(2026, 0, 1, 10)
  const clock = new FakeClock(now)
  const config = testConfig({ server: { host: '127.0.0.1', port: 0, publicUrl: 'https://fw.example.com' }, alerting: { rulesFile: new URL('../../../config/rules.yaml', import.meta.url).pathname } })
  const a = await buildApp(config, { clock, logger: quietLogger })
  await a.start()
  try {
    const jobId = 'a'.repeat(32)
    const line = (i: number, level: LogRecord['level'], message: string): LogRecord => ({ id: `l${i}`, timestamp: now - 10_000 + i, level, message, logger: 'org.apache.flink.runtime.taskmanager.Task', thread: null, cluster: 'c1', jobId, jobName: 'orders', taskManager: 'tm-1', errorType: null, errorMessage: null, stackTrace: null, truncated: false, origin: 'test' })
    await a.context.store.write('logs', [line(1, 'WARN', 'KeyedProcess (1/1)#0 switched from RUNNING to FAILED with failure cause: java.lang.RuntimeException: poison record received (key=k)'), line(2, 'WARN', 'KeyedProcess (1/1)#1 switched from RUNNING to FAILED with failure cause: java.lang.RuntimeException: poison record received (key=k)'), line(3, 'INFO', 'processed key=k count=1')].map(toDocument))
    const failed = job('c1', 'orders', 'FAILED', { jobId, latestException: { timestamp: now, message: 'java.lang.RuntimeException: poison record received (key=k)', stackTrace: POISON, taskName: null, location: null } })
    a.context.bus.publish({ type: 'fleet.updated', cluster: 'c1', jobs: [failed], at: now })
    const incident = await until(async () => {
      const r = (await a.http.inject({ method: 'GET', url: '/api/v1/alerts?state=firing' })).json() as { alerts: AlertEvent[] }
      return r.alerts.find((x) => x.cause)
    })
    const one = (await a.http.inject({ method: 'GET', url: `/api/v1/alerts/${incident.id}` })).json() as { alert: AlertEvent }
    const c = one.alert.cause!
    assert.equal(c.class, 'user-code')
    assert.equal(c.owner, 'job')
    assert.match(c.hint, /own code/)
    assert.deepEqual(c.evidence.frames, ['at flinkwatch.testjob.TestJob$CountPerKey.processElement(TestJob.java:143)', '… 1 framework frame'])
    assert.equal(c.evidence.logs.length, 1, 'two lines of one template: one shown')
    assert.match(c.evidence.logs[0]!.text, /#1 switched from RUNNING to FAILED/, 'the newest of the template')
    assert.equal(c.evidence.countLast7d, 1)
    assert.equal(c.evidence.links.job, `https://fw.example.com/jobs/c1/${jobId}`)
    assert.match(c.evidence.links.logs!, /^https:\/\/fw\.example\.com\/logs\?cluster=c1&job=a{32}&from=\d+&to=\d+$/)
    const metrics = await a.http.inject({ method: 'GET', url: '/metrics' })
    assert.match(metrics.body, /flinkwatch_job_failures_total\{cluster="c1",job_name="orders",cause="user-code"\} 1/)

    const p = await a.http.inject({ method: 'GET', url: `/api/v1/logs/patterns?cluster=c1&job=orders&level=WARN,ERROR&from=${now - 60_000}&to=${now}` })
    assert.equal(p.statusCode, 200)
    const body = p.json() as { patterns: { template: string; count: number; firstSeen: string; lastSeen: string; example: string }[]; lines: number }
    assert.equal(body.lines, 2)
    assert.equal(body.patterns.length, 1)
    assert.equal(body.patterns[0]!.count, 2)
    assert.match(body.patterns[0]!.template, /^KeyedProcess \(<num>\/<num>\)#<num> switched from RUNNING to FAILED/)
    assert.equal(body.patterns[0]!.firstSeen, new Date(now - 10_000 + 1).toISOString())
    const bad = await a.http.inject({ method: 'GET', url: '/api/v1/logs/patterns?from=nope' })
    assert.equal(bad.statusCode, 400)
    assert.match((bad.json() as { message: string }).message, /from must be/)
    const empty = await a.http.inject({ method: 'GET', url: `/api/v1/logs/patterns?from=${now}&to=${now - 1}` })
    assert.deepEqual([empty.statusCode, (empty.json() as { lines: number }).lines], [200, 0], 'an empty window is an empty answer')
  } finally {
    await a.stop()
  }
})
