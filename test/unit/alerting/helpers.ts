/** Builders and harnesses shared by the alerting unit tests. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StaticEncode } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ChannelConfig, RuleConfig } from '../../../src/config/sections/alerting.js'
import { applyDefaults } from '../../../src/config/defaults.js'
import type { Clock, TimerHandle } from '../../../src/core/clock.js'
import { parseDuration } from '../../../src/core/duration.js'
import { createLogger } from '../../../src/core/logger.js'
import type { AlertEvent, AlertTransition } from '../../../src/model/alert.js'
import { emptyJob, type JobSnapshot, type JobState } from '../../../src/model/job.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import { alertingCollections } from '../../../alerting/engine/collections.js'
import type { LinkBuilder } from '../../../alerting/channels/content.js'

export const quietLogger = createLogger({ level: 'silent' })

export async function tempStore(): Promise<SqliteStore> {
  const s = SqliteStore.open(mkdtempSync(join(tmpdir(), 'fw-alerting-')))
  await s.init(alertingCollections)
  return s
}

export function job(cluster: string, name: string, state: JobState, extra: Partial<JobSnapshot> = {}): JobSnapshot {
  return { ...emptyJob(cluster, `${name}-id`.padEnd(32, '0').slice(0, 32), name, state, 1000), ...extra }
}

/** A rule as written in YAML (`for` as text), with defaults; not validated, so tests can build bad ones. */
export function ruleConfig(r: Partial<StaticEncode<typeof RuleConfig>> & { name: string; kind: string }): RuleConfig {
  const { for: forText, ...rest } = Value.Default(RuleConfig, structuredClone(r)) as StaticEncode<typeof RuleConfig>
  return forText === undefined ? rest : { ...rest, for: parseDuration(forText) }
}

export function channelConfig(c: Record<string, unknown>): ChannelConfig {
  return Value.Decode(ChannelConfig, applyDefaults(ChannelConfig, structuredClone(c)))
}

export const noLinks: LinkBuilder = { logs: () => null, dashboard: () => null, flinkUi: () => null, alerts: () => null }

export function alert(name: string, extra: Partial<AlertEvent> = {}): AlertEvent {
  return {
    id: `inc-${name}`,
    rule: 'job-failed',
    severity: 'critical',
    state: 'firing',
    cluster: 'c1',
    jobId: `${name}-id`,
    jobName: name,
    summary: 'job failed: java.lang.RuntimeException: poison',
    startsAt: 1000,
    endsAt: null,
    labels: { alertname: 'job-failed', severity: 'critical', cluster: 'c1', job: name },
    figures: { restarts: 3 },
    ...extra,
  }
}

export function transition(name: string, kind: AlertTransition['kind'] = 'firing', extra: Partial<AlertEvent> = {}, at = 1000): AlertTransition {
  const a = alert(name, extra)
  return { id: `${a.id}:${kind}`, kind, alert: a, at }
}

/** A clock whose timers can be cut off at once: "killing" a pipeline that shares the test's clock. */
export function killable(clock: Clock): Clock & { kill(): void } {
  let dead = false
  return {
    now: () => clock.now(),
    setTimeout: (fn, ms): TimerHandle => clock.setTimeout(() => !dead && fn(), ms),
    clearTimeout: (h) => clock.clearTimeout(h),
    kill: () => void (dead = true),
  }
}

/** Waits for real I/O (loopback HTTP, SQLite) between fake-clock steps; a condition, never a duration, ends it. */
export async function until(what: string, cond: () => boolean, step: () => Promise<void> = async () => {}, maxRounds = 5000): Promise<void> {
  for (let i = 0; i < maxRounds; i++) {
    if (cond()) return
    await step()
    await new Promise((r) => setImmediate(r))
  }
  throw new Error(`condition never met: ${what}`)
}
