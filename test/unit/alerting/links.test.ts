import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MARKDOWN, renderParts } from '../../../alerting/channels/content.js'
import { channelConfig, alert } from './helpers.js'
import { webhookChannel } from '../../../alerting/channels/webhook.js'
import { LOGS_AFTER_MS, LOGS_BEFORE_MS, linkBuilder } from '../../../alerting/notify/links.js'
import { testConfig } from '../../helpers/service.js'
import { FakeClock } from '../../helpers/fake-clock.js'

const at = Date.parse('2026-01-01T12:00:00Z')
const failed = alert('orders', { rule: 'job-failed', cluster: 'prod eu', jobId: '0123456789abcdef0123456789abcdef', jobName: 'orders-enricher', startsAt: at + 30_000, detectedAt: at })

describe('links in notifications (server.publicUrl)', () => {
  const links = linkBuilder(testConfig({ server: { host: '127.0.0.1', port: 0, publicUrl: 'https://flinkwatch.example.com/' } }))

  it('the console job page', () => {
    assert.equal(links.job?.(failed), 'https://flinkwatch.example.com/jobs/prod%20eu/0123456789abcdef0123456789abcdef')
    assert.equal(links.job?.({ ...failed, jobId: null }), null)
  })

  it('the console log search for the job, 10 minutes before the failure to 5 after', () => {
    const u = new URL(links.logs(failed)!)
    assert.equal(u.origin + u.pathname, 'https://flinkwatch.example.com/logs')
    assert.deepEqual(Object.fromEntries(u.searchParams), { cluster: 'prod eu', job: '0123456789abcdef0123456789abcdef', from: '2026-01-01T11:50:00.000Z', to: '2026-01-01T12:05:00.000Z' })
    assert.equal(Date.parse(u.searchParams.get('to')!) - Date.parse(u.searchParams.get('from')!), LOGS_BEFORE_MS + LOGS_AFTER_MS)
    // Without a detection time the firing time is the failure; without a job id the name is searched.
    const byName = new URL(links.logs({ ...failed, jobId: null, detectedAt: undefined })!)
    assert.equal(byName.searchParams.get('job'), 'orders-enricher')
    assert.equal(byName.searchParams.get('from'), '2026-01-01T11:50:30.000Z')
    assert.equal(links.logs({ ...failed, jobId: null, jobName: null }), null, 'a cluster alert has no job logs')
  })

  it('the console alerts page', () => {
    assert.equal(links.alerts(), 'https://flinkwatch.example.com/alerts?state=firing')
  })

  it('no publicUrl: no console links', () => {
    const none = linkBuilder(testConfig())
    assert.equal(none.job?.(failed), null)
    assert.equal(none.logs(failed), null)
    assert.equal(none.alerts(), null)
  })

  it('chat messages carry the job page and log search links; the webhook as annotations', () => {
    const text = renderParts({ entries: [{ itemId: 'i', kind: 'firing', alert: failed, at }], links }, MARKDOWN, 4000, 5).map((p) => p.text).join('\n')
    assert.ok(text.includes('[job](https://flinkwatch.example.com/jobs/prod%20eu/0123456789abcdef0123456789abcdef)'), text)
    assert.ok(text.includes('[logs](https://flinkwatch.example.com/logs?cluster=prod+eu&job=0123456789abcdef0123456789abcdef&from=2026-01-01T11%3A50%3A00.000Z&to=2026-01-01T12%3A05%3A00.000Z)'), text)
    const hook = webhookChannel(channelConfig({ id: 'hook', type: 'webhook', url: 'http://127.0.0.1:9/hook' }) as never, new FakeClock())
    const [msg] = hook.render({ entries: [{ itemId: 'i', kind: 'firing', alert: failed, at }], links })
    const annotations = (msg!.payload as { alerts: { annotations: Record<string, string> }[] }).alerts[0]!.annotations
    assert.equal(annotations['job_url'], 'https://flinkwatch.example.com/jobs/prod%20eu/0123456789abcdef0123456789abcdef')
    assert.match(annotations['logs_url']!, /^https:\/\/flinkwatch\.example\.com\/logs\?cluster=prod\+eu&job=0123/)
  })
})
