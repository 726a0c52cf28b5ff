import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Value } from '@sinclair/typebox/value'
import { MaintenanceWindowConfig } from '../../../src/config/sections/oncall.js'
import type { MaintenanceWindow } from '../../../src/model/maintenance.js'
import { MaintenanceWindows } from '../../../alerting/oncall/maintenance.js'
import { nextOpening, openingAt } from '../../../alerting/oncall/schedule.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { alert, job } from './helpers.js'
import { H, MIN, oncallHarness, oncallStore } from './oncall-helpers.js'

const windowConfig = (w: Record<string, unknown>) => Value.Default(MaintenanceWindowConfig, structuredClone(w)) as MaintenanceWindowConfig
const T0 = Date.UTC(2026, 0, 1)

function recurring(cron: string, duration: string, timeZone: string): MaintenanceWindow {
  return { id: 'w', source: 'config', comment: '', match: {}, from: null, to: null, cron, duration, timeZone, pauseAutoRestart: false, createdBy: 'config', createdAt: 0 }
}

test('one-off window: what fires inside is recorded with maintenance: <id> and not notified; still firing at the end → notified then', async () => {
  const from = new Date(T0 + 10 * MIN).toISOString()
  const to = new Date(T0 + 1 * H).toISOString()
  const h = await oncallHarness({ windows: [windowConfig({ id: 'kafka-upgrade', match: { cluster: 'c1', job: 'orders-.*' }, from, to })] })
  await h.clock.advance(20 * MIN)
  h.fleet(job('c1', 'orders-eu', 'FAILED'), job('c1', 'audit', 'FAILED'))
  const names = () => h.sent.map((t) => `${t.kind}:${t.alert.jobName}`)
  assert.deepEqual(names(), ['firing:audit'], 'audit does not match the window')
  const held = (await h.book.query({ state: 'firing' })).alerts.find((a) => a.jobName === 'orders-eu')
  assert.equal(held?.maintenance, 'kafka-upgrade')
  assert.equal(held?.notified, false)
  await h.clock.advance(39 * MIN)
  assert.deepEqual(names(), ['firing:audit'])
  await h.clock.advance(1 * MIN + 5000)
  assert.deepEqual(names(), ['firing:audit', 'firing:orders-eu'])
  const after = h.sent[1]!.alert
  assert.equal(after.maintenance, 'kafka-upgrade', 'the incident still says which window it fired in')
  await h.stop()
})

test('a window that opens on a notified incident holds its reminders and escalation, not its resolved message', async () => {
  const from = new Date(T0 + 30 * MIN).toISOString()
  const to = new Date(T0 + 10 * H).toISOString()
  const h = await oncallHarness({ repeatIntervalMs: 1 * H, windows: [windowConfig({ id: 'w', match: { rule: 'job-failed' }, from, to })] })
  h.fleet(job('c1', 'a', 'FAILED'))
  await h.clock.advance(5 * H)
  assert.deepEqual(h.kinds(), ['firing'])
  h.fleet(job('c1', 'a', 'RUNNING', { startTime: 5 }))
  assert.deepEqual(h.kinds(), ['firing', 'resolved'])
  await h.stop()
})

test('recurring window in Europe/Berlin across the DST change: 03:00 local is 02:00 UTC before, 01:00 UTC after', () => {
  const w = recurring('0 3 * * *', '1h', 'Europe/Berlin')
  // Saturday 28 March 2026, CET (UTC+1): open 02:00–03:00 UTC.
  assert.deepEqual(openingAt(w, Date.parse('2026-03-28T02:30:00Z')), { start: Date.parse('2026-03-28T02:00:00Z'), end: Date.parse('2026-03-28T03:00:00Z') })
  assert.equal(openingAt(w, Date.parse('2026-03-28T01:30:00Z')), null)
  // Sunday 29 March 2026, clocks went from 02:00 CET to 03:00 CEST (UTC+2): open 01:00–02:00 UTC.
  assert.deepEqual(openingAt(w, Date.parse('2026-03-29T01:30:00Z')), { start: Date.parse('2026-03-29T01:00:00Z'), end: Date.parse('2026-03-29T02:00:00Z') })
  assert.equal(openingAt(w, Date.parse('2026-03-29T02:30:00Z')), null, 'a UTC-fixed schedule would wrongly be open here')
  // Exactly at the start and just before the end, then at the end.
  assert.ok(openingAt(w, Date.parse('2026-03-29T01:00:00Z')))
  assert.ok(openingAt(w, Date.parse('2026-03-29T01:59:59.999Z')))
  assert.equal(openingAt(w, Date.parse('2026-03-29T02:00:00Z')), null)
  assert.deepEqual(nextOpening(w, Date.parse('2026-03-28T12:00:00Z')), { start: Date.parse('2026-03-29T01:00:00Z'), end: Date.parse('2026-03-29T02:00:00Z') })
  // The same window in UTC does not move.
  assert.ok(openingAt(recurring('0 3 * * *', '1h', 'UTC'), Date.parse('2026-03-29T03:30:00Z')))
})

test('recurring window, engine on the fake clock over the DST night: held inside (01:00–02:00 UTC), notified when it closes, restart in between', async () => {
  const clock = new FakeClock(Date.parse('2026-03-29T00:50:00Z'))
  const windows = [windowConfig({ id: 'nightly', match: { cluster: 'c1' }, cron: '0 3 * * *', duration: '1h', timeZone: 'Europe/Berlin' })]
  const first = await oncallHarness({ clock, windows })
  first.fleet(job('c1', 'a', 'FAILED'))
  assert.deepEqual(first.kinds(), ['firing'], 'before the window opens')
  await clock.advance(20 * MIN)
  first.fleet(job('c1', 'b', 'FAILED'))
  assert.deepEqual(first.sent.map((t) => t.alert.jobName), ['a'], 'b fired inside the window (03:10 CEST)')
  await first.stop()
  const second = await oncallHarness({ clock, windows, store: first.store })
  await clock.advance(49 * MIN)
  assert.deepEqual(second.sent.length, 0, 'still inside after the restart (01:59 UTC)')
  await clock.advance(1 * MIN + 5000)
  assert.deepEqual(second.sent.map((t) => `${t.kind}:${t.alert.jobName}:${t.alert.maintenance}`), ['firing:b:nightly'])
  assert.ok(clock.now() >= Date.parse('2026-03-29T02:00:00Z') && clock.now() < Date.parse('2026-03-29T02:01:00Z'))
  await second.stop()
})

test('API windows: stored, loaded after a restart, matched by cluster, job, rule and severity; deleting one ends it', async () => {
  const store = await oncallStore()
  const clock = new FakeClock(T0)
  const w = new MaintenanceWindows(store, [])
  const created = await w.add({ match: { cluster: 'prod-.*', severity: 'critical' }, from: new Date(T0).toISOString(), to: new Date(T0 + H).toISOString(), comment: 'flink upgrade', pauseAutoRestart: true }, 'ops', clock.now())
  const again = new MaintenanceWindows(store, [])
  await again.load()
  assert.deepEqual(again.list().map((x) => x.id), [created.id])
  assert.equal(again.holding(alert('x', { cluster: 'prod-eu', severity: 'critical' }), T0 + 1)?.id, created.id)
  assert.equal(again.holding(alert('x', { cluster: 'prod-eu', severity: 'warning' }), T0 + 1), undefined)
  assert.equal(again.holding(alert('x', { cluster: 'dev', severity: 'critical' }), T0 + 1), undefined)
  assert.equal(again.holding(alert('x', { cluster: 'prod-eu', severity: 'critical' }), T0 + H), undefined, 'closed at `to`')
  assert.equal(again.pausedBy('prod-eu', 'orders', T0 + 1), created.id)
  assert.equal(again.pausedBy('dev', 'orders', T0 + 1), null)
  await again.remove(created.id)
  const third = new MaintenanceWindows(store, [])
  await third.load()
  assert.deepEqual(third.list(), [])
  await assert.rejects(w.add({ match: {}, from: new Date(T0).toISOString(), to: new Date(T0 + H).toISOString() }, 'ops', T0), /at least one of/)
  await assert.rejects(w.add({ match: { cluster: 'c' }, cron: '0 3 * * *', from: new Date(T0).toISOString() }, 'ops', T0), /either from and to/)
  await assert.rejects(w.add({ match: { cluster: 'c' }, cron: 'not a cron', duration: '1h' }, 'ops', T0), /cron:/)
  await assert.rejects(w.add({ match: { cluster: 'c' }, cron: '0 3 * * *', duration: '1h', timeZone: 'Mars/Olympus' }, 'ops', T0), /unknown time zone/)
  await assert.rejects(w.add({ match: { job: '(' }, cron: '0 3 * * *', duration: '1h' }, 'ops', T0), /not a valid regular expression/)
  const cfg = new MaintenanceWindows(store, [windowConfig({ id: 'from-config', match: {}, cron: '0 3 * * *', duration: '1h' })])
  await assert.rejects(cfg.remove('from-config'), /defined in config/)
  assert.equal(cfg.pausedBy('any', 'job', Date.parse('2026-01-01T03:10:00Z')), null, 'pauseAutoRestart is off by default')
})

test('API windows created or deleted through another instance apply here on the next reload', async () => {
  const store = await oncallStore()
  const here = new MaintenanceWindows(store, [])
  const there = new MaintenanceWindows(store, [])
  await here.load()
  const w = await there.add({ match: { cluster: 'c1' }, from: new Date(T0).toISOString(), to: new Date(T0 + H).toISOString() }, 'ops', T0)
  assert.equal(here.get(w.id), undefined)
  await here.load()
  assert.equal(here.holding(alert('x'), T0 + 1)?.id, w.id)
  await there.remove(w.id)
  await here.load()
  assert.equal(here.holding(alert('x'), T0 + 1), undefined)
})
