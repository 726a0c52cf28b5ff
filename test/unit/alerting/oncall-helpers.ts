/** A harness for the on-call tests: engine + policy + maintenance + acks on one store and fake clock. */
import { Value } from '@sinclair/typebox/value'
import { RouteConfig } from '../../../src/config/sections/alerting.js'
import type { MaintenanceWindowConfig } from '../../../src/config/sections/oncall.js'
import { EventBus } from '../../../src/core/event-bus.js'
import type { AlertTransition } from '../../../src/model/alert.js'
import type { JobSnapshot } from '../../../src/model/job.js'
import type { Store } from '../../../src/storage/store.js'
import { AlertEngine } from '../../../alerting/engine/engine.js'
import { IncidentBook } from '../../../alerting/engine/incident-book.js'
import { Silences } from '../../../alerting/engine/silences.js'
import { AckLinks, ackLinkCollections } from '../../../alerting/oncall/ack-links.js'
import { AckRecords, ackRecordCollection, applyRecordedAcks } from '../../../alerting/oncall/ack-records.js'
import { AckService } from '../../../alerting/oncall/acks.js'
import { MaintenanceWindows, maintenanceCollection } from '../../../alerting/oncall/maintenance.js'
import { OnCallPolicy } from '../../../alerting/oncall/policy.js'
import { buildRules } from '../../../alerting/rules/load.js'
import type { AuditEvent } from '../../../src/model/operation.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { quietLogger, ruleConfig, tempStore } from './helpers.js'

export const MIN = 60_000
export const H = 60 * MIN

export function routes(rs: Record<string, unknown>[]): RouteConfig[] {
  return rs.map((r) => Value.Decode(RouteConfig, Value.Default(RouteConfig, structuredClone(r))))
}

export async function oncallStore(): Promise<Store> {
  const s = await tempStore()
  await s.init([maintenanceCollection, ...ackLinkCollections, ackRecordCollection])
  return s
}

export interface OnCallHarnessOptions {
  store?: Store
  clock?: FakeClock
  routes?: RouteConfig[]
  windows?: MaintenanceWindowConfig[]
  repeatIntervalMs?: number
  /** HA: the clusters this instance owns (absent: all). */
  owns?: Set<string>
}

export async function oncallHarness(o: OnCallHarnessOptions = {}) {
  const store = o.store ?? (await oncallStore())
  const clock = o.clock ?? new FakeClock()
  const bus = new EventBus()
  const sent: AlertTransition[] = []
  const silences = new Silences(store)
  await silences.load()
  const book = new IncidentBook(store, quietLogger)
  const maintenance = new MaintenanceWindows(store, o.windows ?? [])
  await maintenance.load()
  const repeatIntervalMs = o.repeatIntervalMs ?? 4 * H
  const records = new AckRecords(store, clock)
  const owns = o.owns
  const engine: AlertEngine = new AlertEngine({
    rules: buildRules([ruleConfig({ name: 'job-failed', kind: 'job-failed' })]),
    bus,
    clock,
    logger: quietLogger,
    book,
    silences,
    notify: (t) => sent.push(t),
    repeatIntervalMs,
    policy: new OnCallPolicy(o.routes ?? [], { repeatIntervalMs }),
    maintenance,
    evaluationIntervalMs: 5000,
    beforeTick: (firing) => applyRecordedAcks(records, firing, (id, change) => engine.update(id, change)),
    ...(owns ? { owns: (c: string) => owns.has(c) } : {}),
  })
  await engine.start()
  const links = new AckLinks({ store, clock, publicUrl: 'https://fw.example.com', secret: undefined, ttlMs: H })
  await links.start()
  const audit: Omit<AuditEvent, 'id' | 'at'>[] = []
  const acks = new AckService({ engine, book, records, links, clock, audit: async (e) => audit.push(e) })
  const fleet = (...jobs: JobSnapshot[]) => bus.publish({ type: 'fleet.updated', cluster: jobs[0]?.cluster ?? 'c1', jobs, at: clock.now() })
  const kinds = () => sent.map((t) => t.id.slice(t.alert.id.length + 1))
  const stop = async () => {
    await engine.stop()
    await book.flush()
  }
  return { store, clock, bus, sent, kinds, engine, book, records, maintenance, links, acks, audit, fleet, stop }
}
