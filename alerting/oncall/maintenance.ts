/**
 * Maintenance windows: those in config (`alerting.maintenance`, read-only) and those created through
 * the API (kept in the store, so they survive a restart). An incident that fires inside an open window
 * that matches it is recorded with `maintenance: <id>` and not notified; the engine's evaluation tick
 * notifies it once no window holds it any more (see AlertEngine.gate).
 */
import { randomUUID } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import type { MaintenanceWindowConfig } from '../../src/config/sections/oncall.js'
import { windowProblems } from '../../src/config/sections/oncall.js'
import { BadRequestError, ConflictError, errorMessage } from '../../src/core/errors.js'
import type { AlertEvent } from '../../src/model/alert.js'
import type { MaintenanceWindow, RestartPause } from '../../src/model/maintenance.js'
import type { CollectionSpec, Store } from '../../src/storage/store.js'
import { MAX_LIMIT } from '../../src/storage/store.js'
import { DocGuard } from '../engine/stored.js'
import { nextOpening, openingAt, type Opening } from './schedule.js'

export const MAINTENANCE = 'alert_maintenance'
export const maintenanceCollection: CollectionSpec = { name: MAINTENANCE, keywords: ['createdBy', 'source'] }

type Key = keyof MaintenanceWindow['match']
const KEYS: readonly Key[] = ['cluster', 'job', 'rule', 'severity']

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
export const MaintenanceWindowDoc = Type.Object({
  id: Type.String(),
  source: Type.Union([Type.Literal('config'), Type.Literal('api')]),
  comment: Type.String(),
  match: Type.Object({ cluster: Type.Optional(Type.String()), job: Type.Optional(Type.String()), rule: Type.Optional(Type.String()), severity: Type.Optional(Type.String()) }),
  from: Nullable(Type.Number()),
  to: Nullable(Type.Number()),
  cron: Nullable(Type.String()),
  duration: Nullable(Type.String()),
  timeZone: Type.String(),
  pauseAutoRestart: Type.Boolean(),
  createdBy: Type.String(),
  createdAt: Type.Number(),
})

/** What the API and config give: times as ISO 8601 strings. */
export interface WindowInput {
  id?: string
  comment?: string
  match: MaintenanceWindow['match']
  from?: string
  to?: string
  cron?: string
  duration?: string
  timeZone?: string
  pauseAutoRestart?: boolean
}

interface Entry {
  w: MaintenanceWindow
  re: Partial<Record<Key, RegExp>>
  /**
   * The answer of the last look and until when it holds (the end of the opening, or the start of the
   * next one): the engine asks for every firing incident on every tick, and a cron look-up costs
   * tens of microseconds.
   */
  cached?: { open: Opening | null; from: number; until: number }
}

export class MaintenanceWindows implements RestartPause {
  private readonly all = new Map<string, Entry>()

  constructor(private readonly store: Store, configured: readonly MaintenanceWindowConfig[], private readonly guard = new DocGuard()) {
    for (const c of configured) this.remember(fromInput(c, 'config', 'config', 0))
  }

  /**
   * (Re)reads the windows created through the API, this instance's and other instances' (added and
   * deleted); a malformed one is skipped (and counted), never fatal.
   */
  async load(): Promise<void> {
    const r = await this.store.query(MAINTENANCE, { limit: MAX_LIMIT, order: 'asc' })
    const stored = new Set(r.docs.map((d) => d.id))
    for (const [id, e] of this.all) if (e.w.source === 'api' && !stored.has(id)) this.all.delete(id)
    for (const d of r.docs) {
      if (this.all.get(d.id)?.w.source === 'api') continue
      const w = this.guard.check(MAINTENANCE, MaintenanceWindowDoc, d)
      if (!w || this.all.get(w.id)?.w.source === 'config') continue
      try {
        this.remember(w)
      } catch (err) {
        this.guard.skip(MAINTENANCE, d.id, errorMessage(err))
      }
    }
  }

  list(): MaintenanceWindow[] {
    return [...this.all.values()].map((e) => e.w)
  }

  get(id: string): MaintenanceWindow | undefined {
    return this.all.get(id)?.w
  }

  async add(input: WindowInput, createdBy: string, now: number): Promise<MaintenanceWindow> {
    const w = fromInput(input, 'api', createdBy, now)
    if (this.all.has(w.id)) throw new ConflictError(`a maintenance window ${w.id} exists already`)
    const entry = compile(w)
    const r = await this.store.write(MAINTENANCE, [{ id: w.id, timestamp: now, body: { ...w } }], 'create')
    if (r.duplicates > 0) throw new ConflictError(`a maintenance window ${w.id} exists already`)
    this.all.set(w.id, entry)
    return w
  }

  /** Removes an API window; config windows are changed in config. Undefined when unknown. */
  async remove(id: string): Promise<MaintenanceWindow | undefined> {
    const e = this.all.get(id)
    if (!e) return undefined
    if (e.w.source === 'config') throw new ConflictError(`maintenance window ${id} is defined in config (alerting.maintenance); remove it there`)
    await this.store.delete(MAINTENANCE, id)
    this.all.delete(id)
    return e.w
  }

  /** The first open window that matches the incident. */
  holding(a: AlertEvent, now: number): MaintenanceWindow | undefined {
    const values: Record<Key, string> = { cluster: a.cluster, job: a.jobName ?? '', rule: a.rule, severity: a.severity }
    return this.find(now, (re) => KEYS.every((k) => !re[k] || re[k].test(values[k])))
  }

  pausedBy(cluster: string, jobName: string, now: number): string | null {
    // Rule and severity say nothing about a restart: a window that names them still pauses the job it matches.
    const w = this.find(now, (re, w) => w.pauseAutoRestart && (!re.cluster || re.cluster.test(cluster)) && (!re.job || re.job.test(jobName)))
    return w?.id ?? null
  }

  private find(now: number, ok: (re: Entry['re'], w: MaintenanceWindow) => boolean): MaintenanceWindow | undefined {
    for (const e of this.all.values()) if (ok(e.re, e.w) && this.isOpen(e, now)) return e.w
    return undefined
  }

  private isOpen(e: Entry, now: number): boolean {
    const c = e.cached
    if (c && c.from <= now && now < c.until) return c.open !== null
    const open = openingAt(e.w, now)
    e.cached = { open, from: now, until: open ? open.end : (nextOpening(e.w, now)?.start ?? Number.POSITIVE_INFINITY) }
    return open !== null
  }

  private remember(w: MaintenanceWindow): void {
    this.all.set(w.id, compile(w))
  }
}

function compile(w: MaintenanceWindow): Entry {
  const re: Partial<Record<Key, RegExp>> = {}
  for (const k of KEYS) {
    const v = w.match[k]
    if (v === undefined || v === '') continue
    try {
      re[k] = new RegExp(`^(?:${v})$`)
    } catch {
      throw new BadRequestError(`match.${k}: not a valid regular expression: ${v}`)
    }
  }
  return { w, re }
}

function fromInput(i: WindowInput, source: MaintenanceWindow['source'], createdBy: string, now: number): MaintenanceWindow {
  const timeZone = i.timeZone ?? 'UTC'
  const problems = windowProblems({ from: i.from, to: i.to, cron: i.cron, duration: i.duration, timeZone })
  if (problems.length > 0) throw new BadRequestError(problems.join('; '))
  const match = Object.fromEntries(KEYS.flatMap((k) => (i.match[k] ? [[k, i.match[k]]] : []))) as MaintenanceWindow['match']
  if (source === 'api' && Object.keys(match).length === 0) throw new BadRequestError('match: give at least one of cluster, job, rule, severity')
  return {
    id: i.id ?? randomUUID(),
    source,
    comment: i.comment ?? '',
    match,
    from: i.from !== undefined ? Date.parse(i.from) : null,
    to: i.to !== undefined ? Date.parse(i.to) : null,
    cron: i.cron ?? null,
    duration: i.duration ?? null,
    timeZone,
    pauseAutoRestart: i.pauseAutoRestart ?? false,
    createdBy,
    createdAt: now,
  }
}
