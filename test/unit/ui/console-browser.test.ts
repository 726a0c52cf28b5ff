/**
 * The console in headless Chromium against a flinkwatch watching a YARN fleet (the fake ResourceManager,
 * whose proxy forwards to a fake JobManager: loopback fakes only, no stack), embedded store, tokens for three
 * roles and a webhook channel. The same flows as the real-stack e2e (test/integration/console), driven here by
 * the fakes so every step is exact: live fleet updates, roles, a savepoint's progress, log search with
 * highlights, stack traces, context and live tail, an alert's delivery and a silence made from it that
 * suppresses the next notification, and XSS in job names and log lines.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { FakeHttpReceiver } from '../../fakes/chat/generic.js'
import { FakeJobManager } from '../../fakes/flink-jobmanager.js'
import { FakeResourceManager } from '../../fakes/yarn-rm.js'
import { startService, testConfig, type RunningService } from '../../helpers/service.js'
import { waitFor } from '../../helpers/stack.js'
import { ensureConsoleBuilt, launch, newPage, retryUntilVisible, shot, signIn, type Browser, type Watched } from '../../integration/console/browser.js'

const XSS = '<img src=x onerror=window.__xss=1><script>window.__xss=2</script>'
const TOKENS = { admin: 'ui-admin-token-1', operator: 'ui-operator-token-1', viewer: 'ui-viewer-token-1' }
const APP = 'application_1700000000000_0042'
const JOB = 'a5d0c1e2f3a4b5c6d7e8f9a0b1c2d3e4'
const XSS_JOB = 'b5d0c1e2f3a4b5c6d7e8f9a0b1c2d3e4'
const SP_DIR = 'hdfs:///flink/savepoints'

/** A JobManager with state.savepoints.dir set: savepoint requests without a target directory use it. */
class JobManagerWithSavepointDir extends FakeJobManager {
  override route(method: string, path: string, query: URLSearchParams, body: string): { status: number; body: unknown } {
    if (method === 'POST' && /\/(stop|savepoints)$/.test(path)) {
      const b = (body ? JSON.parse(body) : {}) as Record<string, unknown>
      body = JSON.stringify({ targetDirectory: SP_DIR, 'target-directory': SP_DIR, ...b })
    }
    return super.route(method, path, query, body)
  }
}

describe('web console in Chromium against a YARN fleet (fakes)', { timeout: 180_000 }, () => {
  let jm: JobManagerWithSavepointDir
  let rm: FakeResourceManager
  let receiver: FakeHttpReceiver
  let svc: RunningService
  let browser: Browser
  const pages: Watched[] = []
  const open = async () => {
    const w = await newPage(browser)
    pages.push(w)
    return w
  }
  const ingest = async (records: Record<string, unknown>[]) => {
    const r = await fetch(`${svc.url}/api/v1/logs`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.operator}`, 'content-type': 'application/x-ndjson' }, body: records.map((x) => JSON.stringify(x)).join('\n') + '\n' })
    assert.equal(r.status, 200, await r.text())
  }
  const firing = () => receiver.delivered.filter((d) => d.body.includes('orders-enricher') && /"status":\s*"firing"/.test(d.body))

  before(async () => {
    ensureConsoleBuilt()
    jm = await new JobManagerWithSavepointDir([
      { jid: JOB, name: 'orders-enricher', state: 'RUNNING', startTime: Date.now() - 3_600_000 },
      { jid: XSS_JOB, name: `xss ${XSS}`, state: 'RUNNING', startTime: Date.now() - 600_000 },
      // A few more, so the fleet screenshot looks like a fleet.
      ...['payments-dedup', 'clickstream-sessionizer', 'fraud-scoring', 'inventory-cdc', 'ads-attribution', 'search-indexer'].map((name, i) => ({
        jid: `${i}`.repeat(32),
        name,
        state: ['RUNNING', 'RUNNING', 'RESTARTING', 'CANCELED', 'RUNNING', 'FINISHED'][i]!,
        startTime: Date.now() - (i + 1) * 5_400_000,
        numRestarts: i === 2 ? 3 : 0,
      })),
    ]).start()
    rm = await new FakeResourceManager().start()
    rm.addRunningApp(APP, jm)
    receiver = await new FakeHttpReceiver().start()
    svc = await startService(
      testConfig({
        auth: { tokens: [{ name: 'alice', token: TOKENS.admin, role: 'admin' }, { name: 'olga', token: TOKENS.operator, role: 'operator' }, { name: 'victor', token: TOKENS.viewer, role: 'viewer' }] },
        clusters: [{ id: 'yarn-eu', type: 'yarn', url: rm.url, pollInterval: '1s' }],
        alerting: {
          rulesFile: new URL('../../../config/rules.yaml', import.meta.url).pathname,
          rules: [{ name: 'job-failed', match: { job: 'orders-enricher' } }],
          routes: [{ channels: ['oncall'], match: { job: 'orders-enricher' } }],
          channels: [{ id: 'oncall', type: 'webhook', url: `${receiver.url}/alerts` }],
        },
      }),
    )
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
    await svc?.stop()
    await receiver?.stop()
    await rm?.close()
    await jm?.close()
  })

  it('signs in (a bad token is refused), lists the jobs, follows a change live, filters through the URL', async () => {
    const { page } = await open()
    await page.goto(svc.url)
    await page.getByTestId('signin').waitFor()
    await shot(page, 'signin')
    await page.getByTestId('token-input').fill('nope')
    await page.getByTestId('signin-submit').click()
    await page.getByTestId('signin-error').waitFor()
    assert.equal(await signIn(page, svc.url, TOKENS.admin), 'admin')
    await page.locator(`[data-testid=fleet-row][data-job-id="${JOB}"][data-state=RUNNING]`).waitFor({ timeout: 20_000 })
    assert.equal(await page.locator(`[data-testid=fleet-row][data-job-id="${XSS_JOB}"] [data-testid=job-link]`).textContent(), `xss ${XSS}`)
    await page.getByTestId('live-status').filter({ hasText: 'live' }).waitFor()
    // A change at the JobManager reaches the table over the WebSocket, without a reload.
    const navigations: string[] = []
    page.on('framenavigated', (f) => navigations.push(f.url()))
    jm.jobs.find((x) => x.jid === XSS_JOB)!.state = 'RESTARTING'
    await page.locator(`[data-testid=fleet-row][data-job-id="${XSS_JOB}"][data-state=RESTARTING]`).waitFor({ timeout: 15_000 })
    jm.jobs.find((x) => x.jid === XSS_JOB)!.state = 'RUNNING'
    await page.locator(`[data-testid=fleet-row][data-job-id="${XSS_JOB}"][data-state=RUNNING]`).waitFor({ timeout: 15_000 })
    assert.deepEqual(navigations, [])
    await shot(page, 'fleet')
    await page.getByTestId('fleet-search').fill('ORDERS')
    await page.waitForURL((u) => u.searchParams.get('q') === 'ORDERS')
    await page.getByTestId('fleet-row').nth(1).waitFor({ state: 'detached' })
    assert.equal(await page.getByTestId('fleet-row').getAttribute('data-job-id'), JOB)
    await page.reload()
    await page.locator(`[data-testid=fleet-row][data-job-id="${JOB}"]`).waitFor()
    assert.equal(await page.getByTestId('fleet-search').inputValue(), 'ORDERS', 'the filter survives a reload')
    assert.equal(await page.getByTestId('fleet-row').count(), 1)
  })

  it('draws the head of the job list first (failing first), then the whole list page by page', async () => {
    const { page } = await open()
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    const heads: string[] = []
    const pages: string[] = []
    await page.route((u) => u.pathname === '/api/v1/jobs', async (route) => {
      const url = new URL(route.request().url())
      if (url.searchParams.get('sort') !== 'severity') {
        // The whole list, held until the head was looked at, and asked of the server in pages of 3 (not 2,000),
        // so this fleet of 8 takes three pages and the console follows the cursors.
        await held
        url.searchParams.set('limit', '3')
        pages.push(url.search)
        return route.continue({ url: url.toString() })
      }
      heads.push(url.search)
      const res = await route.fetch()
      if (res.status() !== 200) return route.fulfill({ response: res })
      // The server's head of 100 is the whole of this small fleet: cut it to two, as a large fleet's would be.
      const body = (await res.json()) as { jobs: unknown[]; total: number }
      return route.fulfill({ response: res, json: { jobs: body.jobs.slice(0, 2), total: body.total, nextCursor: null } })
    })
    await signIn(page, svc.url, TOKENS.viewer)
    await page.getByTestId('fleet-shown').filter({ hasText: /^first 2 of 8 jobs, loading the rest/ }).waitFor({ timeout: 15_000 })
    assert.equal(await page.getByTestId('fleet-row').count(), 2)
    assert.equal(await page.getByTestId('fleet-row').first().getAttribute('data-state'), 'RESTARTING', 'the server ordered it as the table does')
    assert.equal(await page.getByTestId('jobs-total').textContent(), '8')
    release()
    await page.getByTestId('fleet-shown').filter({ hasText: /^8 jobs$/ }).waitFor({ timeout: 15_000 })
    assert.equal(await page.getByTestId('fleet-row').count(), 8)
    assert.ok(heads.length > 0 && heads.every((h) => new URLSearchParams(h).get('sort') === 'severity'), heads.join(' '))
    const followed = pages.filter((p) => new URLSearchParams(p).has('cursor'))
    assert.ok(followed.length >= 2, `followed the cursors: ${pages.join(' ')}`)
    await page.unrouteAll({ behavior: 'ignoreErrors' })
  })

  it('hides actions from a viewer; an operator confirms a savepoint and watches it complete', async () => {
    const viewer = await open()
    assert.equal(await signIn(viewer.page, svc.url, TOKENS.viewer, `/jobs/yarn-eu/${JOB}?tab=actions`), 'viewer')
    await viewer.page.getByTestId('actions-hidden').waitFor()
    assert.equal(await viewer.page.locator('[data-testid^="action-"]').count(), 0)
    const op = await open()
    await signIn(op.page, svc.url, TOKENS.operator, `/jobs/yarn-eu/${JOB}?tab=actions`)
    await op.page.getByTestId('action-savepoint').click()
    assert.match((await op.page.getByTestId('confirm-action').textContent()) ?? '', /Savepoint on orders-enricher\?/)
    assert.equal(jm.calls.filter((c) => c.method === 'POST').length, 0, 'nothing is sent before the confirmation')
    await op.page.getByTestId('confirm-yes').click()
    await op.page.locator('[data-testid=operation-status]:text-matches("succeeded|failed")').waitFor({ timeout: 60_000 })
    assert.equal(await op.page.getByTestId('operation-status').textContent(), 'succeeded', (await op.page.getByTestId('operation').textContent()) ?? '')
    assert.match((await op.page.getByTestId('operation-result').textContent()) ?? '', new RegExp(`savepointPath: ${SP_DIR}/savepoint-`))
    await shot(op.page, 'job-actions')
  })

  it('searches logs with highlights, unfolds a stack trace, shows context, live-tails and counts lines missed while paused', async () => {
    const t0 = Date.now() - 5000
    await ingest([
      ...Array.from({ length: 3 }, (_, i) => ({ '@timestamp': new Date(t0 + i).toISOString(), 'log.level': 'INFO', message: `before ${i}`, 'flink.job.id': JOB, 'flink.taskmanager.id': 'tm-1', 'flink.cluster': 'yarn-eu' })),
      { '@timestamp': new Date(t0 + 10).toISOString(), 'log.level': 'ERROR', message: 'record poisoned the counter', 'error.stack_trace': 'java.lang.IllegalStateException: poison\n\tat a.B.c(B.java:1)\n\tat d.E.f(E.java:2)', 'flink.job.id': JOB, 'flink.taskmanager.id': 'tm-1', 'flink.cluster': 'yarn-eu' },
    ])
    const { page } = await open()
    await signIn(page, svc.url, TOKENS.viewer, '/logs')
    await page.getByTestId('log-search').fill('poisoned')
    await page.getByTestId('log-search').press('Enter')
    await retryUntilVisible(page, '[data-testid=log-hit]:has-text("poisoned")', () => page.getByTestId('log-search-submit').click())
    assert.equal(new URL(page.url()).searchParams.get('q'), 'poisoned')
    assert.equal(await page.getByTestId('log-hit').count(), 1, 'only the matching line')
    // Search again with the same query: it runs again and finds a line stored since.
    await ingest([{ '@timestamp': new Date(t0 - 1000).toISOString(), 'log.level': 'WARN', message: 'poisoned again', 'flink.job.id': JOB, 'flink.taskmanager.id': 'tm-9' }])
    await page.getByTestId('log-search-submit').click()
    await page.getByTestId('log-hit').nth(1).waitFor({ timeout: 10_000 })
    assert.equal(await page.getByTestId('log-hit').count(), 2)
    const hit = page.getByTestId('log-hit').first()
    assert.equal(await hit.locator('mark').first().textContent(), 'poisoned')
    assert.equal(((await hit.getByTestId('stack-trace').locator('pre').textContent()) ?? '').split('\n').length, 1, 'folded')
    await hit.getByTestId('stack-toggle').click()
    assert.equal(((await hit.getByTestId('stack-trace').locator('pre').textContent()) ?? '').split('\n').length, 3, 'unfolded')
    await hit.getByTestId('show-context').click()
    await hit.getByTestId('log-context').waitFor()
    assert.deepEqual(await hit.getByTestId('context-line').getByTestId('log-message').allTextContents(), ['before 0', 'before 1', 'before 2'])
    await shot(page, 'logs')

    // "Load older" pages by cursor: 130 lines, 100 a page.
    await ingest(Array.from({ length: 130 }, (_, i) => ({ '@timestamp': new Date(t0 - 60_000 + i * 10).toISOString(), 'log.level': 'WARN', message: `bulk line ${i}`, 'flink.job.id': JOB, 'flink.taskmanager.id': 'tm-2' })))
    await page.goto(`${svc.url}/logs?${new URLSearchParams({ q: 'bulk', level: 'WARN' })}`)
    await page.getByTestId('log-total').filter({ hasText: '130' }).waitFor({ timeout: 15_000 })
    assert.equal(await page.getByTestId('log-hit').count(), 100)
    assert.match((await page.getByTestId('level-WARN').getAttribute('class')) ?? '', /\bactive\b/, 'the level filter from the URL shows as chosen')
    assert.doesNotMatch((await page.getByTestId('level-ERROR').getAttribute('class')) ?? '', /\bactive\b/)
    await page.getByTestId('load-older').click()
    await page.getByTestId('log-hit').nth(129).waitFor()
    assert.equal(await page.getByTestId('load-older').count(), 0, 'no more pages')
    const shown = await page.getByTestId('log-hit').getByTestId('log-message').allTextContents()
    assert.equal(new Set(shown).size, 130, 'no line twice')
    assert.equal(shown[0], 'bulk line 129', 'newest first')

    await page.goto(`${svc.url}/logs?${new URLSearchParams({ q: 'tailed', job: JOB })}`)
    await page.getByTestId('tail-toggle').click()
    await page.getByTestId('tail-toggle').filter({ hasText: 'live tail on' }).waitFor({ timeout: 15_000 })
    await ingest([{ '@timestamp': new Date().toISOString(), 'log.level': 'INFO', message: 'tailed line one', 'flink.job.id': JOB, 'flink.taskmanager.id': 'tm-1' }, { '@timestamp': new Date().toISOString(), 'log.level': 'INFO', message: 'not this one', 'flink.job.id': JOB }])
    await page.locator('[data-testid=tail-line]', { hasText: 'tailed line one' }).waitFor({ timeout: 15_000 })
    assert.equal(await page.getByTestId('tail-line').count(), 1, 'the tail applies the query')
    await page.getByTestId('tail-pause').click()
    await ingest([1, 2].map((i) => ({ '@timestamp': new Date().toISOString(), 'log.level': 'INFO', message: `tailed while paused ${i}`, 'flink.job.id': JOB })))
    await page.getByTestId('missed-notice').filter({ hasText: '2 lines missed while paused' }).waitFor({ timeout: 15_000 })
    assert.equal(await page.getByTestId('tail-line').count(), 1)
    await shot(page, 'logs-tail')
  })

  it('shows an alert with its delivery, makes a silence from it, and the next failure notifies no one', async () => {
    const j = jm.jobs.find((x) => x.jid === JOB)!
    j.state = 'FAILED'
    j.numRestarts = 2
    j.endTime = Date.now()
    await waitFor('the firing notification', async () => firing().length === 1, 30_000)
    const { page } = await open()
    await signIn(page, svc.url, TOKENS.operator, '/alerts')
    const row = page.locator('[data-testid=alert-row][data-state=firing]', { hasText: 'orders-enricher' })
    await row.waitFor({ timeout: 20_000 })
    await row.click()
    assert.ok(new URL(page.url()).searchParams.get('alert'), 'the open incident is in the URL')
    await page.locator('[data-testid=delivery][data-channel=oncall] [data-testid=delivery-state]', { hasText: 'delivered' }).waitFor({ timeout: 20_000 })
    await page.getByTestId('silence-alert').click()
    await shot(page, 'alerts')
    assert.equal(await page.getByTestId('silence-job').inputValue(), 'orders-enricher')
    assert.equal(await page.getByTestId('silence-cluster').inputValue(), 'yarn-eu')
    assert.equal(await page.getByTestId('silence-rule').inputValue(), 'job-failed')
    await page.getByTestId('silence-duration').selectOption('1h')
    await page.getByTestId('silence-submit').click()
    await page.locator('[data-testid=silence-row][data-active=true]', { hasText: 'job=~orders-enricher' }).waitFor({ timeout: 15_000 })
    await shot(page, 'silences')
    const silences = (await (await fetch(`${svc.url}/api/v1/silences`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } })).json()) as { silences: { startsAt: number; endsAt: number; createdBy: string }[] }
    assert.equal(silences.silences.length, 1)
    assert.equal(silences.silences[0]!.endsAt - silences.silences[0]!.startsAt, 3_600_000)
    assert.equal(silences.silences[0]!.createdBy, 'olga')

    // The job again under the same name, failing again: a new incident, silenced.
    const again = 'c5d0c1e2f3a4b5c6d7e8f9a0b1c2d3e4'
    jm.jobs.push({ jid: again, name: 'orders-enricher', state: 'RUNNING', startTime: Date.now() })
    await waitFor('the new instance seen', async () => (await fetch(`${svc.url}/api/v1/jobs/yarn-eu/${again}`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } })).ok, 20_000)
    jm.jobs.find((x) => x.jid === again)!.state = 'FAILED'
    type A = { alerts: { jobId: string | null; state: string; silencedBy?: string | null }[] }
    const second = await waitFor('the second incident', async () => {
      const r = (await (await fetch(`${svc.url}/api/v1/alerts?state=all`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } })).json()) as A
      return r.alerts.find((a) => a.jobId === again && a.state === 'firing')
    }, 30_000)
    assert.ok(second.silencedBy)
    const job = await open()
    await signIn(job.page, svc.url, TOKENS.viewer, `/jobs/yarn-eu/${JOB}`)
    await job.page.locator('[data-testid=job-state]', { hasText: 'FAILED' }).waitFor({ timeout: 15_000 })
    await job.page.locator('[data-testid=timeline-event][data-kind=state]', { hasText: 'FAILED' }).first().waitFor({ timeout: 15_000 })
    await shot(job.page, 'job')
    await new Promise((r) => setTimeout(r, 3000))
    assert.equal(firing().length, 1, 'no notification for the silenced incident')
  })

  it('renders job names and log lines with <script> and <img onerror> as text and runs nothing', async () => {
    await ingest([{ '@timestamp': new Date().toISOString(), 'log.level': 'ERROR', message: `xssprobe ${XSS} <b>bold</b>`, 'flink.job.id': XSS_JOB, 'flink.job.name': `xss ${XSS}`, 'flink.taskmanager.id': 'tm-1' }])
    const w = await open()
    await signIn(w.page, svc.url, TOKENS.viewer, `/jobs/yarn-eu/${XSS_JOB}`)
    await w.page.getByTestId('job-name').waitFor()
    assert.equal(await w.page.getByTestId('job-name').textContent(), `xss ${XSS}`)
    await w.page.goto(`${svc.url}/logs?q=xssprobe`)
    await retryUntilVisible(w.page, '[data-testid=log-hit]', () => w.page.getByTestId('log-search-submit').click())
    assert.equal(await w.page.getByTestId('log-message').first().textContent(), `xssprobe ${XSS} <b>bold</b>`)
    assert.ok(((await w.page.getByTestId('log-hit').first().textContent()) ?? '').includes(`xss ${XSS}`))
    assert.equal(await w.page.evaluate(() => (globalThis as { __xss?: unknown }).__xss), undefined)
    assert.equal(await w.page.locator('img[src="x"], #app script').count(), 0)
    assert.equal(await w.page.locator('#app b', { hasText: 'bold' }).count(), 0)
    assert.deepEqual(w.dialogs, [])
  })

  it('no page hit an uncaught error or a CSP violation', () => {
    assert.deepEqual(pages.flatMap((p) => p.errors), [])
  })
})
