/**
 * Benchmark (`npm run bench -- oncall [--incidents 1000] [--windows 10] [--ticks 200]`): what the on-call
 * work adds to every evaluation tick of the alert engine, for many firing incidents.
 *
 * - `maintenance`: MaintenanceWindows.holding() for every incident per tick (half the windows recurring
 *   in Europe/Berlin, half one-off, none matching, so every window is looked at), side by side with the
 *   baseline of computing each window's cron opening every time (schedule.openingAt, no cache).
 * - `policy`: OnCallPolicy.remindersDue() + escalationsDue() for every incident per tick (3 routes,
 *   2 escalation levels each), nothing due.
 * - `ackLinks`: signing a link (once per firing message) and checking its signature (per click).
 * Prints JSON: microseconds per tick and per incident, and link operations per second.
 */
import { parseArgs } from 'node:util'
import { Value } from '@sinclair/typebox/value'
import { RouteConfig } from '../../src/config/sections/alerting.js'
import { MaintenanceWindowConfig } from '../../src/config/sections/oncall.js'
import type { AlertEvent } from '../../src/model/alert.js'
import { SqliteStore } from '../../src/storage/sqlite-store.js'
import { AckLinks, ackLinkCollections } from '../../alerting/oncall/ack-links.js'
import { MaintenanceWindows, maintenanceCollection } from '../../alerting/oncall/maintenance.js'
import { OnCallPolicy } from '../../alerting/oncall/policy.js'
import { openingAt } from '../../alerting/oncall/schedule.js'
import { FakeClock } from '../helpers/fake-clock.js'

const T0 = Date.parse('2026-03-28T12:00:00Z')

function incident(i: number): AlertEvent {
  return { id: `inc-${i}`, rule: 'job-failed', severity: 'critical', state: 'firing', cluster: `c${i % 10}`, jobId: null, jobName: `job-${i}`, summary: 's', startsAt: T0, endsAt: null, labels: {}, figures: {}, notified: true, notifiedAt: T0, lastNotifiedAt: T0 }
}

function perTick(ticks: number, fn: (now: number) => void): number {
  const start = process.hrtime.bigint()
  for (let t = 0; t < ticks; t++) fn(T0 + t * 5000)
  return Number(process.hrtime.bigint() - start) / 1000 / ticks
}

export default async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { incidents: { type: 'string', default: '1000' }, windows: { type: 'string', default: '10' }, ticks: { type: 'string', default: '200' } } })
  const n = Number(values.incidents)
  const nw = Number(values.windows)
  const ticks = Number(values.ticks)
  const store = SqliteStore.memory()
  await store.init([maintenanceCollection, ...ackLinkCollections])
  const configs = Array.from({ length: nw }, (_, i) =>
    Value.Default(
      MaintenanceWindowConfig,
      i % 2 === 0
        ? { id: `r${i}`, match: { cluster: 'nope' }, cron: `0 ${i % 24} * * *`, duration: '1h', timeZone: 'Europe/Berlin' }
        : { id: `o${i}`, match: { cluster: 'nope' }, from: new Date(T0 + 86_400_000).toISOString(), to: new Date(T0 + 2 * 86_400_000).toISOString() },
    ) as MaintenanceWindowConfig,
  )
  const windows = new MaintenanceWindows(store, configs)
  const incidents = Array.from({ length: n }, (_, i) => incident(i))
  // The baseline looks at every window's schedule for every incident, as a cache-less check would.
  const baselineTicks = Math.max(1, Math.floor(ticks / 20))
  const baseline = perTick(baselineTicks, (now) => {
    for (let i = 0; i < incidents.length; i++) for (const w of windows.list()) openingAt(w, now)
  })
  const cached = perTick(ticks, (now) => {
    for (const a of incidents) windows.holding(a, now)
  })
  const routes = [0, 1, 2].map((i) => Value.Default(RouteConfig, { channels: [`ch${i}`], continue: true, repeatInterval: '4h', escalate: [{ after: '1d', channels: ['l1'] }, { after: '2d', channels: ['l2'] }] }) as RouteConfig)
  const policy = new OnCallPolicy(routes, { repeatIntervalMs: 4 * 3_600_000 })
  const policyUs = perTick(ticks, (now) => {
    for (const a of incidents) {
      policy.remindersDue(a, now)
      policy.escalationsDue(a, now)
    }
  })
  const links = new AckLinks({ store, clock: new FakeClock(T0), publicUrl: 'https://fw.example.com', secret: 'bench-secret-0123456789', ttlMs: 86_400_000 })
  await links.start()
  const ops = 20_000
  let t = process.hrtime.bigint()
  const tokens: string[] = []
  for (let i = 0; i < ops; i++) tokens.push(links.token(`inc-${i}`))
  const signPerSec = ops / (Number(process.hrtime.bigint() - t) / 1e9)
  t = process.hrtime.bigint()
  for (const tok of tokens.slice(0, 2000)) await links.check(tok)
  const checkPerSec = 2000 / (Number(process.hrtime.bigint() - t) / 1e9)
  await store.close()
  console.log(
    JSON.stringify(
      {
        incidents: n,
        windows: nw,
        maintenance: { cachedUsPerTick: Math.round(cached), cachedUsPerIncident: +(cached / n).toFixed(3), baselineUsPerTick: Math.round(baseline), speedup: +(baseline / cached).toFixed(1) },
        policy: { usPerTick: Math.round(policyUs), usPerIncident: +(policyUs / n).toFixed(3) },
        ackLinks: { signPerSec: Math.round(signPerSec), checkPerSec: Math.round(checkPerSec), tokenLength: tokens[0]!.length },
      },
      null,
      2,
    ),
  )
}
