/**
 * The console end to end in headless Chromium against a real flinkwatch watching the stack's Flink, reading
 * the TaskManagers' logs from Kafka into Elasticsearch, with tokens for three roles and a webhook channel
 * (the fake receiver of test/fakes/chat). One service and one test job for the whole file; the steps run
 * in order: sign in, fleet, roles and a savepoint, log search/context/tail, the poison record's failure on
 * the job and logs pages, a silence created from the alert, and the XSS checks. Every page is screenshotted.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { FakeHttpReceiver } from '../../fakes/chat/generic.js'
import { startService, testConfig, type RunningService } from '../../helpers/service.js'
import { STACK, cancelJob, createTopic, getJson, produce, submitTestJob, uniqueId, waitFor, waitForJobState } from '../../helpers/stack.js'
import { ensureConsoleBuilt, launch, newPage, retryUntilVisible, shot, signIn, type Browser, type Watched } from './browser.js'

const TOKENS = { admin: 'console-admin-token-1', operator: 'console-operator-token-1', viewer: 'console-viewer-token-1' }
const XSS = '<img src=x onerror=window.__xss=1><script>window.__xss=2</script>'

describe('web console end to end (real Flink, Kafka, Elasticsearch, headless Chromium)', () => {
  const prefix = uniqueId('fwconsole')
  const name = uniqueId('fw-console')
  const xssName = `${uniqueId('fw-console-xss')} ${XSS}`
  const xssId = uniqueId('fw-console-xss')
  const input = `${name}-in`
  const jobIds: string[] = []
  let jobId = ''
  let xssJobId = ''
  let svc: RunningService
  let receiver: FakeHttpReceiver
  let browser: Browser
  const pages: Watched[] = []
  const open = async () => {
    const w = await newPage(browser)
    pages.push(w)
    return w
  }
  // job-failed notifications only: restart-loop may fire for the same job and is not covered by the silence made from job-failed.
  const firingFor = (n: string) => receiver.delivered.filter((d) => d.body.includes(n) && d.body.includes('job-failed') && /"status":\s*"firing"/.test(d.body))

  before(async () => {
    ensureConsoleBuilt()
    receiver = await new FakeHttpReceiver().start()
    svc = await startService(
      testConfig({
        auth: { tokens: [{ name: 'alice', token: TOKENS.admin, role: 'admin' }, { name: 'olga', token: TOKENS.operator, role: 'operator' }, { name: 'victor', token: TOKENS.viewer, role: 'viewer' }] },
        storage: { type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: prefix },
        clusters: [{ id: 'stack', type: 'flink', url: STACK.flink, pollInterval: '1s', checkpointInterval: '1s', metricsInterval: '2s' }],
        logs: { kafka: { brokers: [STACK.kafka], topics: [STACK.logsTopic], groupId: uniqueId('fw-console-e2e'), fromBeginning: false } },
        alerting: {
          rulesFile: new URL('../../../config/rules.yaml', import.meta.url).pathname,
          rules: [{ name: 'job-failed', match: { job: name } }],
          routes: [{ channels: ['oncall'], match: { job: name } }],
          channels: [{ id: 'oncall', type: 'webhook', url: `${receiver.url}/alerts` }],
        },
      }),
    )
    await waitFor('the log consumer to join its group', async () => {
      const r = (await (await fetch(`${svc.url}/readyz`)).json()) as { components: Record<string, { ready: boolean }> }
      return r.components['logs-kafka']?.ready === true
    }, 60_000)
    await createTopic(input)
    await createTopic(`${name}-out`)
    await createTopic(`${xssId}-in`)
    await createTopic(`${xssId}-out`)
    jobId = await submitTestJob({ name, input, output: `${name}-out` })
    jobIds.push(jobId)
    xssJobId = await submitTestJob({ name: xssName, input: `${xssId}-in`, output: `${xssId}-out`, group: `${xssId}-group` })
    jobIds.push(xssJobId)
    await waitForJobState(jobId, ['RUNNING'], 90_000)
    await waitForJobState(xssJobId, ['RUNNING'], 90_000)
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
    for (const id of jobIds) await cancelJob(id)
    await svc?.stop()
    await receiver?.stop()
    await fetch(`${STACK.elasticsearch}/${prefix}-*`, { method: 'DELETE' }).catch(() => undefined)
    await fetch(`${STACK.elasticsearch}/_index_template/${prefix}-*`, { method: 'DELETE' }).catch(() => undefined)
  })

  it('asks for a token, keeps it out of the URL, and the fleet shows the test job RUNNING', { timeout: 60_000 }, async () => {
    const { page, errors } = await open()
    await page.goto(svc.url)
    await page.getByTestId('signin').waitFor()
    await shot(page, 'signin')
    await page.getByTestId('token-input').fill('not-a-token')
    await page.getByTestId('signin-submit').click()
    await page.getByTestId('signin-error').waitFor()
    assert.equal(await signIn(page, svc.url, TOKENS.admin), 'admin')
    assert.equal(await page.locator('.who-name').textContent(), 'alice')
    const row = page.locator(`[data-testid=fleet-row][data-job-id="${jobId}"]`)
    await page.locator(`[data-testid=fleet-row][data-job-id="${jobId}"][data-state=RUNNING]`).waitFor({ timeout: 30_000 })
    assert.equal(await row.getByTestId('job-link').textContent(), name)
    await page.getByTestId('live-status').filter({ hasText: 'live' }).waitFor()
    // Free-text filter narrows the table and lands in the URL.
    await page.getByTestId('fleet-search').fill(name)
    await page.waitForURL((u) => u.searchParams.get('q') === name)
    await page.getByTestId('fleet-row').nth(1).waitFor({ state: 'detached' })
    assert.equal(await page.getByTestId('fleet-row').count(), 1)
    await page.getByTestId('fleet-search').fill('')
    await page.waitForURL((u) => !u.searchParams.has('q'))
    await shot(page, 'fleet')
    assert.ok(!page.url().includes(TOKENS.admin), 'token not in the page URL')
    assert.equal(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('flinkwatch.token')), TOKENS.admin)
    assert.deepEqual(errors, [])
  })

  it('a viewer sees no action buttons; an operator confirms a savepoint and sees it complete', { timeout: 180_000 }, async () => {
    const viewer = await open()
    assert.equal(await signIn(viewer.page, svc.url, TOKENS.viewer, `/jobs/stack/${jobId}?tab=actions`), 'viewer')
    await viewer.page.getByTestId('actions-hidden').waitFor()
    assert.equal(await viewer.page.locator('[data-testid^="action-"]').count(), 0)
    await viewer.page.goto(`${svc.url}/jobs/stack/${jobId}`)
    await viewer.page.getByTestId('job-name').waitFor()
    assert.equal(await viewer.page.locator('[data-testid^="action-"]').count(), 0, 'no action buttons on the overview either')

    const op = await open()
    assert.equal(await signIn(op.page, svc.url, TOKENS.operator, `/jobs/stack/${jobId}?tab=actions`), 'operator')
    await op.page.getByTestId('action-savepoint').click()
    await op.page.getByTestId('confirm-action').waitFor()
    await op.page.getByTestId('confirm-yes').click()
    await op.page.getByTestId('operation-status').waitFor()
    await op.page.locator('[data-testid=operation-status]:text-matches("succeeded|failed")').waitFor({ timeout: 150_000 })
    assert.equal(await op.page.getByTestId('operation-status').textContent(), 'succeeded', (await op.page.getByTestId('operation').textContent()) ?? '')
    assert.match((await op.page.getByTestId('operation-result').textContent()) ?? '', /savepointPath: \S+/)
    await shot(op.page, 'job-actions')
    assert.deepEqual([...viewer.errors, ...op.errors], [])
  })

  it('the logs page finds a line, opens its context and live-tails new lines (with a missed count while paused)', { timeout: 120_000 }, async () => {
    const { page, errors } = await open()
    await signIn(page, svc.url, TOKENS.viewer, '/logs')
    const token = uniqueId('tok')
    await produce(input, [{ value: `k1,${token}` }])
    await page.getByTestId('log-search').fill(token)
    // Wait for a hit with the token: the page first listed the newest lines for the empty query.
    await retryUntilVisible(page, `[data-testid=log-hit]:has-text("${token}")`, () => page.getByTestId('log-search-submit').click())
    assert.equal(new URL(page.url()).searchParams.get('q'), token)
    const hit = page.getByTestId('log-hit').first()
    assert.match((await hit.getByTestId('log-message').textContent()) ?? '', new RegExp(`processed key=k1 count=\\d+ token=${token}`))
    assert.equal((await hit.locator('mark').first().textContent())?.toLowerCase(), token.toLowerCase(), 'the query is highlighted')
    await hit.getByTestId('show-context').click()
    await page.getByTestId('log-context').waitFor()
    assert.match((await page.getByTestId('context-focus').textContent()) ?? '', new RegExp(token))

    // Live tail of this job's "processed" lines.
    await page.goto(`${svc.url}/logs?${new URLSearchParams({ q: 'processed', job: jobId })}`)
    await page.getByTestId('tail-toggle').click()
    await page.getByTestId('tail-toggle').filter({ hasText: 'live tail on' }).waitFor({ timeout: 15_000 })
    assert.equal(new URL(page.url()).searchParams.get('tail'), '1')
    const live = uniqueId('live')
    await produce(input, [{ value: `k2,${live}` }])
    await page.locator('[data-testid=tail-line]', { hasText: live }).waitFor({ timeout: 30_000 })
    await shot(page, 'logs-tail')
    await page.getByTestId('tail-pause').click()
    await produce(input, [{ value: `k3,${uniqueId('paused')}` }])
    await page.getByTestId('missed-notice').waitFor({ timeout: 30_000 })
    assert.match((await page.getByTestId('missed-notice').textContent()) ?? '', /^\d+ lines? missed while paused/)
    assert.deepEqual(errors, [])
  })

  it('after the poison record the job page shows FAILED with the exception and the restarts', { timeout: 240_000 }, async () => {
    const { page, errors } = await open()
    await signIn(page, svc.url, TOKENS.viewer, `/jobs/stack/${jobId}`)
    await page.getByTestId('job-name').waitFor()
    await produce(input, [{ value: 'poison' }])
    await page.locator('[data-testid=job-state]', { hasText: 'FAILED' }).waitFor({ timeout: 180_000 })
    await page.getByTestId('exception-message').waitFor({ timeout: 30_000 })
    // Flink's root exception may be "Recovery is suppressed by …" with the poison record's exception as its cause.
    if ((await page.getByTestId('root-exception').getByTestId('stack-toggle').count()) > 0) await page.getByTestId('root-exception').getByTestId('stack-toggle').click()
    await page.getByTestId('root-exception').filter({ hasText: 'poison' }).waitFor({ timeout: 30_000 })
    assert.ok(Number(await page.getByTestId('job-restarts').textContent()) >= 1, 'Flink restarted it before giving up')
    // The why heads the overview once the incident is classified: the job's own code, with its frame.
    const why = page.getByTestId('panel-cause')
    await why.waitFor({ timeout: 60_000 })
    assert.match(await why.innerText(), /user-code[\s\S]*TestJob\$CountPerKey\.processElement/)
    await shot(page, 'job')
    // The full timeline has the restarts (a RESTARTING transition, or a restart the poller saw as RUNNING → RUNNING) and the failure.
    await page.getByTestId('tab-timeline').click()
    await page.locator('[data-testid=timeline-event][data-kind=restart], [data-testid=timeline-event][data-kind=state]:has-text("RESTARTING")').first().waitFor({ timeout: 30_000 })
    await page.locator('[data-testid=timeline-event][data-kind=state]', { hasText: 'FAILED' }).first().waitFor({ timeout: 30_000 })
    await page.locator('[data-testid=timeline-event][data-kind=failure]').first().waitFor({ timeout: 30_000 })
    await page.getByTestId('tab-charts').click()
    await page.getByTestId('charts').waitFor({ timeout: 30_000 })
    assert.equal(new URL(page.url()).searchParams.get('tab'), 'charts')
    await page.waitForTimeout(300)
    await shot(page, 'job-charts')
    // The fleet row follows without a reload.
    await page.getByTestId('nav-fleet').click()
    await page.locator(`[data-testid=fleet-row][data-job-id="${jobId}"][data-state=FAILED]`).waitFor({ timeout: 30_000 })
    assert.deepEqual(errors, [])
  })

  it('the logs page finds the poison line, unfolds its stack trace and opens its context', { timeout: 90_000 }, async () => {
    const { page, errors } = await open()
    await signIn(page, svc.url, TOKENS.viewer, `/logs?${new URLSearchParams({ job: jobId, q: 'poison' })}`)
    await retryUntilVisible(page, '[data-testid=log-hit] [data-testid=stack-trace]', () => page.getByTestId('log-search-submit').click(), 60_000)
    const hit = page.locator('[data-testid=log-hit]', { has: page.getByTestId('stack-trace') }).first()
    assert.match((await hit.textContent()) ?? '', /poison/)
    await hit.getByTestId('stack-toggle').click()
    assert.ok(((await hit.getByTestId('stack-trace').textContent()) ?? '').split('\n').length > 3, 'stack trace unfolded')
    await hit.getByTestId('show-context').click()
    await hit.getByTestId('log-context').waitFor()
    assert.ok((await hit.getByTestId('context-line').count()) > 0, 'lines around it from the same TaskManager')
    await shot(page, 'logs')
    assert.deepEqual(errors, [])
  })

  it('a silence created from the alert suppresses the next notification', { timeout: 300_000 }, async () => {
    await waitFor('the firing notification', async () => firingFor(name).length > 0, 120_000)
    const { page, errors } = await open()
    await signIn(page, svc.url, TOKENS.operator, '/alerts')
    // restart-loop may fire for the job too: take the job-failed incident.
    const row = page.locator('[data-testid=alert-row][data-state=firing]', { hasText: name }).filter({ hasText: 'job-failed' }).first()
    await row.waitFor({ timeout: 30_000 })
    await row.click()
    await page.getByTestId('alert-detail').waitFor()
    await page.locator('[data-testid=delivery-state]', { hasText: 'delivered' }).first().waitFor({ timeout: 30_000 })
    // Why it failed comes first: the poison record is the job's own code, with its frame.
    const cause = page.getByTestId('incident-cause')
    await cause.waitFor({ timeout: 10_000 })
    assert.match(await cause.innerText(), /user-code[\s\S]*TestJob\$CountPerKey\.processElement/)
    await shot(page, 'alerts')
    await page.getByTestId('silence-alert').click()
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    assert.equal(await page.getByTestId('silence-job').inputValue(), escaped, 'job matcher pre-filled')
    assert.equal(await page.getByTestId('silence-rule').inputValue(), 'job-failed')
    await page.getByTestId('silence-duration').selectOption('1h')
    await page.getByTestId('silence-submit').click()
    await page.locator('[data-testid=silence-row][data-active=true]', { hasText: escaped }).waitFor({ timeout: 15_000 })
    assert.equal(new URL(page.url()).searchParams.get('tab'), 'silences')
    await shot(page, 'silences')
    const before = firingFor(name).length

    // The same job again (on a fresh topic): once flinkwatch sees it RUNNING, a poison record fails it; the new incident is silenced.
    const input2 = `${name}-in2`
    await createTopic(input2)
    const again = await submitTestJob({ name, input: input2, output: `${name}-out`, group: `${name}-group2` })
    jobIds.push(again)
    await waitFor('flinkwatch to see the new instance RUNNING', async () => {
      const r = await fetch(`${svc.url}/api/v1/jobs/stack/${again}`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } })
      return r.ok && ((await r.json()) as { state: string }).state === 'RUNNING'
    }, 120_000)
    await produce(input2, [{ value: 'poison' }])
    await waitForJobState(again, ['FAILED'], 180_000)
    type A = { alerts: { rule: string; jobId: string | null; state: string; silencedBy?: string | null }[] }
    const silenced = await waitFor('the second incident, silenced', async () => {
      const r = await getJson<A>(`${svc.url}/api/v1/alerts?state=all&job=${encodeURIComponent(name)}`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } })
      // restart-loop may fire for the new run too (its window still holds the first run's restarts); the silence is for job-failed.
      return r.alerts.find((a) => a.rule === 'job-failed' && a.jobId === again && a.state === 'firing')
    }, 60_000)
    assert.ok(silenced.silencedBy, 'marked silenced')
    // Give the notifier its cycles: nothing new goes out.
    await new Promise((r) => setTimeout(r, 5000))
    assert.equal(firingFor(name).length, before, 'no firing notification while silenced')
    assert.deepEqual(errors, [])
  })

  it('a job name and a log line with <script> and <img onerror> show literally and run nothing', { timeout: 120_000 }, async () => {
    const w = await open()
    const { page } = w
    await signIn(page, svc.url, TOKENS.viewer, '/')
    const link = page.locator(`[data-testid=fleet-row][data-job-id="${xssJobId}"] [data-testid=job-link]`)
    await link.waitFor({ timeout: 30_000 })
    assert.equal(await link.textContent(), xssName)
    await link.click()
    await page.getByTestId('job-name').waitFor()
    assert.equal(await page.getByTestId('job-name').textContent(), xssName)

    const probe = uniqueId('xssprobe')
    const message = `${probe} ${XSS} <b>bold</b>`
    const line = JSON.stringify({ '@timestamp': new Date().toISOString(), 'log.level': 'ERROR', message, 'log.logger': 'flinkwatch.e2e.Xss', 'flink.job.id': xssJobId, 'flink.job.name': xssName, 'flink.taskmanager.id': 'tm-xss', 'flink.cluster': 'stack' })
    const res = await fetch(`${svc.url}/api/v1/logs`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.operator}`, 'content-type': 'application/x-ndjson' }, body: `${line}\n` })
    assert.equal(res.status, 200, await res.text())
    await page.goto(`${svc.url}/logs?q=${probe}`)
    await retryUntilVisible(page, '[data-testid=log-hit]', () => page.getByTestId('log-search-submit').click())
    const hit = page.getByTestId('log-hit').first()
    assert.equal(await hit.getByTestId('log-message').textContent(), message)
    assert.ok(((await hit.textContent()) ?? '').includes(xssName), 'job name shown as text')
    await hit.getByTestId('show-context').click()
    await hit.getByTestId('log-context').waitFor()
    await page.waitForTimeout(500)
    assert.equal(await page.evaluate(() => (globalThis as { __xss?: unknown }).__xss), undefined, 'no injected script ran')
    assert.equal(await page.locator('img[src="x"], #app script').count(), 0, 'no element was made from log or job text')
    assert.equal(await page.locator('#app b', { hasText: 'bold' }).count(), 0, 'markup in a log line stays text')
    assert.deepEqual(w.dialogs, [])
    assert.deepEqual(w.errors, [])
    const html = await fetch(svc.url)
    assert.match(html.headers.get('content-security-policy') ?? '', /script-src 'self'/)
  })

  it('no page hit an uncaught error or a CSP violation', () => {
    assert.deepEqual(pages.flatMap((p) => p.errors), [])
  })
})
