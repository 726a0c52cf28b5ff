/**
 * Alert storm benchmark (`npm run bench -- alerts [--jobs 1000] [--clusters 10]`).
 *
 * 1,000 jobs on 10 simulated clusters fail within one second: each cluster "polls" at a random
 * moment of that second and reports its 100 jobs FAILED (synthetic `job.transition` events on the
 * bus of an in-process flinkwatch, rules and all). Receivers: a fake Lark bot that enforces 5/s
 * and 100/min and answers code 11232 beyond, and a fake SMS gateway.
 *
 * Side by side, in the same run: Debian's Prometheus Alertmanager 0.25 on 127.0.0.1:9096, fed the
 * same 1,000 alerts (same timing) through /api/v2/alerts, group_wait 1s, group_by [alertname,
 * cluster], routed by webhook to an adapter that forwards each webhook call as one signed Lark
 * message to its own instance of the same fake bot (so throttling counts are comparable). Prints
 * one JSON document; targets are reported, not asserted.
 *
 * Times count from detection: the moment the first cluster's failures were published on the bus
 * (for Alertmanager, posted to it), to when the fake platform accepted a message (its arrival,
 * not our reply). "First message" is the first accepted after detection.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildApp } from '../../src/app.js'
import { createLogger } from '../../src/core/logger.js'
import { larkSign } from '../../alerting/channels/sign.js'
import { testConfig } from '../helpers/service.js'
import { FakeLarkBot } from '../fakes/chat/lark.js'
import { FakeHttpReceiver } from '../fakes/chat/generic.js'
import type { FakeReceiver } from '../fakes/chat/receiver.js'

export const AM_BIN = '/usr/bin/prometheus-alertmanager'
const AM_PORT = 9096
export const SECRET = 'bench-secret'
const NAME = /bench-job-\d{4}/g

interface Figures {
  /** From detection (the first failure published, or posted to Alertmanager) to the first message the platform accepted. */
  timeToFirstMessageMs: number | null
  jobsNamedInFirstMessage: number
  timeUntilAllNamedMs: number | null
  messagesSent: number
  requests: number
  throttledReplies: number
  rejectedReplies: number
  jobsNeverNamed: number
  deliveredBeforeDetection: number
  jobsNamedMoreThanOnce: number
}

/** `t0` is detection: the moment the first failure was published (flinkwatch) or posted (Alertmanager). */
function figures(fake: FakeReceiver, t0: number, total: number): Figures {
  const seen = new Map<string, number>()
  let allAt: number | null = null
  for (const d of fake.delivered) {
    for (const n of new Set(d.body.match(NAME) ?? [])) seen.set(n, (seen.get(n) ?? 0) + 1)
    if (allAt === null && seen.size >= total) allAt = d.at
  }
  // Only what arrived after detection is about the storm.
  const first = fake.delivered.find((d) => d.at >= t0)
  return {
    timeToFirstMessageMs: first ? first.at - t0 : null,
    jobsNamedInFirstMessage: first ? new Set(first.body.match(NAME) ?? []).size : 0,
    timeUntilAllNamedMs: allAt === null ? null : allAt - t0,
    messagesSent: fake.delivered.length,
    requests: fake.requests.length,
    throttledReplies: fake.throttled,
    rejectedReplies: fake.rejected,
    jobsNeverNamed: total - seen.size,
    deliveredBeforeDetection: fake.delivered.filter((d) => d.at < t0).length,
    jobsNamedMoreThanOnce: [...seen.values()].filter((n) => n > 1).length,
  }
}

/** The first fetch() of a process loads undici (~100 ms); a running service has long paid that. */
async function warmUp(): Promise<void> {
  const s = createServer((_, res) => res.end('ok'))
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  await fetch(`http://127.0.0.1:${(s.address() as { port: number }).port}/`, { method: 'POST', body: '{}' }).then((r) => r.text())
  s.close()
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond() && Date.now() < deadline) await sleep(20)
}

/** When each cluster "polls" within the storm second, and its jobs. */
function storm(jobs: number, clusters: number): { cluster: string; offsetMs: number; names: string[] }[] {
  let seed = 42
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  return Array.from({ length: clusters }, (_, c) => ({
    cluster: `cluster-${String(c).padStart(2, '0')}`,
    offsetMs: c === 0 ? 0 : Math.floor(rnd() * 1000),
    names: Array.from({ length: Math.ceil(jobs / clusters) }, (_, j) => c * Math.ceil(jobs / clusters) + j).filter((i) => i < jobs).map((i) => `bench-job-${String(i).padStart(4, '0')}`),
  }))
}

async function runFlinkwatch(jobs: number, clusters: number): Promise<Record<string, unknown>> {
  const lark = await new FakeLarkBot(SECRET).start()
  const sms = await new FakeHttpReceiver().start()
  const config = testConfig({
    alerting: {
      rulesFile: new URL('../../config/rules.yaml', import.meta.url).pathname,
      channels: [
        { id: 'oncall-lark', type: 'lark', url: `${lark.url}/open-apis/bot/v2/hook/x`, secret: SECRET },
        { id: 'oncall-sms', type: 'sms', url: `${sms.url}/sms/send`, phones: ['+8613800000000'] },
      ],
      links: { flinkwatchUrl: 'https://flinkwatch.example.com', grafanaUrl: 'https://grafana.example.com' },
    },
  })
  const app = await buildApp(config, { logger: createLogger({ level: 'silent' }) })
  await app.start()
  await warmUp()
  const plan = storm(jobs, clusters)
  const published: number[] = []
  await Promise.all(
    plan.map(async (p) => {
      await sleep(p.offsetMs)
      const at = Date.now()
      published.push(at)
      for (const name of p.names) app.context.bus.publish({ type: 'job.transition', transition: { cluster: p.cluster, jobId: `${name}`.padEnd(32, '0'), jobName: name, from: 'RUNNING', to: 'FAILED', at, restarts: 3, exception: 'org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy' } })
    }),
  )
  // Detection is the first publish on the bus, not when the storm's timers were set up.
  const t0 = Math.min(...published)
  await until(() => new Set(lark.deliveredText().match(NAME)).size >= jobs, 120_000)
  await sleep(3000) // anything still to come (duplicates, late parts) is counted too
  const out = { lark: figures(lark, t0, jobs), sms: { ...figures(sms, t0, jobs), note: 'SMS carries counts and the first names only (500 characters)' } }
  await app.stop()
  await lark.stop()
  await sms.stop()
  return out
}

/** Alertmanager webhook → one signed Lark message per call, the Lark reply passed back as is. */
export function adapter(larkUrl: string): Promise<{ server: Server; url: string; calls: () => number }> {
  let calls = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      calls++
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { status: string; alerts: { labels: Record<string, string> }[]; groupLabels: Record<string, string> }
      const lines = body.alerts.map((a) => `- ${a.labels['cluster']} / ${a.labels['job']}`)
      const ts = Math.floor(Date.now() / 1000)
      const lark = { timestamp: String(ts), sign: larkSign(ts, SECRET), msg_type: 'interactive', card: { schema: '2.0', header: { title: { tag: 'plain_text', content: `[${body.status.toUpperCase()}] ${JSON.stringify(body.groupLabels)}` } }, body: { elements: [{ tag: 'markdown', content: lines.join('\n') }] } } }
      fetch(larkUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(lark) })
        .then(async (r) => {
          res.writeHead(r.status, { 'content-type': 'application/json' })
          res.end(await r.text())
        })
        .catch(() => {
          res.writeHead(502)
          res.end()
        })
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, calls: () => calls })))
}

async function runAlertmanager(jobs: number, clusters: number): Promise<Record<string, unknown>> {
  if (!existsSync(AM_BIN)) return { skipped: `${AM_BIN} missing: apt-get install prometheus-alertmanager (with /usr/sbin/policy-rc.d exiting 101)` }
  const lark = await new FakeLarkBot(SECRET).start()
  const ad = await adapter(`${lark.url}/open-apis/bot/v2/hook/x`)
  const dir = mkdtempSync(join(tmpdir(), 'fw-bench-am-'))
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: lark-adapter',
      '  group_by: [alertname, cluster]',
      '  group_wait: 1s',
      '  group_interval: 5m',
      '  repeat_interval: 4h',
      'receivers:',
      '  - name: lark-adapter',
      '    webhook_configs:',
      `      - url: ${ad.url}/am`,
      '        send_resolved: true',
      '',
    ].join('\n'),
  )
  const am: ChildProcess = spawn(AM_BIN, [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${AM_PORT}`, '--cluster.listen-address='], { stdio: 'ignore' })
  try {
    const base = `http://127.0.0.1:${AM_PORT}`
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${base}/-/ready`).then((r) => r.ok).catch(() => false)
      if (ok) break
      await sleep(100)
    }
    const plan = storm(jobs, clusters)
    const posted: number[] = []
    await Promise.all(
      plan.map(async (p) => {
        await sleep(p.offsetMs)
        posted.push(Date.now())
        const startsAt = new Date().toISOString()
        const alerts = p.names.map((name) => ({ labels: { alertname: 'job-failed', severity: 'critical', cluster: p.cluster, job: name }, annotations: { summary: 'job failed' }, startsAt }))
        const r = await fetch(`${base}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) })
        if (!r.ok) throw new Error(`alertmanager refused alerts: HTTP ${r.status}`)
      }),
    )
    const t0 = Math.min(...posted)
    await until(() => new Set(lark.deliveredText().match(NAME)).size >= jobs, 15_000)
    await sleep(3000)
    return { lark: { ...figures(lark, t0, jobs), webhookCalls: ad.calls() }, config: 'group_by [alertname, cluster], group_wait 1s, webhook → adapter → fake Lark; Alertmanager reads HTTP 200 + code 11232 as success' }
  } finally {
    am.kill('SIGTERM')
    ad.server.close()
    await lark.stop()
  }
}

export default async function alertsBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { jobs: { type: 'string', default: '1000' }, clusters: { type: 'string', default: '10' } }, strict: true })
  const jobs = Number(values.jobs)
  const clusters = Number(values.clusters)
  // One after the other: they would share this event loop and skew each other's timings.
  const flinkwatch = await runFlinkwatch(jobs, clusters)
  const alertmanager = await runAlertmanager(jobs, clusters)
  const fl = flinkwatch['lark'] as Figures
  const fs = flinkwatch['sms'] as Figures
  console.log(
    JSON.stringify(
      {
        scenario: { jobs, clusters, failWithinMs: 1000, receivers: 'fake Lark bot (5/s, 100/min, code 11232) + fake SMS gateway' },
        flinkwatch,
        alertmanager,
        targets: {
          flinkwatch: {
            neverNamed0: fl.jobsNeverNamed === 0,
            throttled0: fl.throttledReplies === 0,
            firstMessageWithin1s: fl.timeToFirstMessageMs !== null && fl.timeToFirstMessageMs <= 1000,
            allNamedWithin3s: fl.timeUntilAllNamedMs !== null && fl.timeUntilAllNamedMs <= 3000,
            atMost5MessagesPerChannel: fl.messagesSent <= 5 && fs.messagesSent <= 5,
          },
        },
      },
      null,
      2,
    ),
  )
}
