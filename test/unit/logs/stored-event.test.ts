import assert from 'node:assert/strict'
import { it } from 'node:test'
import { buildApp } from '../../../src/app.js'
import type { LogRecord } from '../../../src/model/log-record.js'
import { captureLogger, testConfig } from '../../helpers/service.js'

it('publishes stored WARN-and-worse lines as log.stored, and fires the ERROR-log-rate rule from them', async () => {
  const app = await buildApp(testConfig({ alerting: { rules: [{ name: 'error-log-rate', params: { threshold: 2 } }] } }), { logger: captureLogger().logger })
  await app.start()
  try {
    const seen: LogRecord[] = []
    app.context.bus.subscribe('log.stored', (e) => seen.push(...e.records))
    const now = Date.now()
    const line = (i: number, level: string) =>
      JSON.stringify({ '@timestamp': new Date(now + i).toISOString(), 'log.level': level, message: `line ${i}`, 'error.message': `boom ${i}`, 'flink.cluster': 'local', 'flink.job.id': 'a'.repeat(32), 'flink.job.name': 'orders', 'flink.taskmanager.id': 'tm-1' })
    const res = await app.http.inject({ method: 'POST', url: '/api/v1/logs', headers: { 'content-type': 'application/x-ndjson' }, payload: [line(1, 'INFO'), line(2, 'ERROR'), line(3, 'WARN'), line(4, 'ERROR'), line(5, 'ERROR')].join('\n') })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(seen.map((r) => r.level).sort(), ['ERROR', 'ERROR', 'ERROR', 'WARN'])
    const first = seen.find((r) => r.message === 'line 2')
    assert.equal(first?.jobName, 'orders')
    assert.equal(first?.cluster, 'local')
    assert.equal(first?.errorMessage, 'boom 2')
    const alerts = await app.http.inject({ url: '/api/v1/alerts?state=all' })
    const body = alerts.json<{ alerts: { rule: string; jobName: string | null }[] }>()
    assert.ok(body.alerts.some((a) => a.rule === 'error-log-rate' && a.jobName === 'orders'), alerts.body)
  } finally {
    await app.stop()
  }
})
