/**
 * The alert lifecycle. Rules say which subjects are in a bad condition; the engine turns that into
 * incidents: inactive → pending (`for`) → firing → resolved, one incident per rule and subject,
 * with a notification when it fires (unless inhibited by its cluster being down, or silenced), a
 * reminder every repeat interval while it fires, and a resolved notification when it ends.
 */
import { createHash } from 'node:crypto'
import { Gauge, type Registry } from 'prom-client'
import type { Severity } from '../../src/config/sections/alerting.js'
import type { Clock, TimerHandle } from '../../src/core/clock.js'
import type { Component, ComponentStatus } from '../../src/core/component.js'
import type { EventBus } from '../../src/core/event-bus.js'
import type { Logger } from '../../src/core/logger.js'
import type { AlertEvent, AlertTransition, EscalationStep, TransitionKind } from '../../src/model/alert.js'
import type { ServiceEvent } from '../../src/model/events.js'
import type { Announcement, IncidentSink, RaisedIncident } from '../incidents.js'
import { ALL_ROUTES, OnCallPolicy } from '../oncall/policy.js'
import type { Observation, Rule, RuleSpec, Subject } from '../rules/rule.js'
import { IncidentBook } from './incident-book.js'
import type { Silences } from './silences.js'

const CLUSTER_DOWN = 'cluster-down'

export interface EngineOptions {
  rules: readonly Rule[]
  bus: EventBus
  clock: Clock
  logger: Logger
  book: IncidentBook
  silences: Silences
  /** The notification pipeline's entry (route → group → ...); must not throw. */
  notify(t: AlertTransition): void
  repeatIntervalMs: number
  /** Per-route repeat and escalation; default: repeatIntervalMs for everything, no escalation. */
  policy?: OnCallPolicy
  /** Maintenance windows: what fires inside one is recorded, not notified, until it closes. */
  maintenance?: { holding(a: AlertEvent, now: number): { id: string } | undefined }
  evaluationIntervalMs: number
  registry?: Registry
  /**
   * HA: whether this instance holds the cluster's lease (src/ha/). Rules observe, and incidents fire,
   * remind and resolve, only where the cluster is owned; `adoptCluster` picks up the incident book's state
   * when a cluster arrives. Absent: every cluster is ours.
   */
  owns?: (cluster: string) => boolean
  /**
   * Adds to an incident that just fired before anyone is told (the failure cause and its evidence);
   * undefined = nothing to add for this rule kind. Bounded by `enrichTimeoutMs` (default 3 s): a
   * slow store delays the first message, never loses it.
   */
  enrich?(a: AlertEvent, ruleKind: string): Promise<Partial<Pick<AlertEvent, 'cause' | 'figures'>> | null> | undefined
  enrichTimeoutMs?: number
  /**
   * Runs before each scheduled evaluation tick with the firing incidents this instance owns, and may
   * change them through update(): acknowledgements received by other instances are applied here, so
   * the tick decides reminders and escalations with them. A failure is logged; the tick runs anyway.
   */
  beforeTick?: (firing: AlertEvent[]) => Promise<unknown>
}

interface Track {
  key: string
  spec: RuleSpec
  level: 'job' | 'cluster'
  subject: Subject
  pendingSince: number | null
  incident: AlertEvent | null
}

export class AlertEngine implements Component, IncidentSink {
  readonly name = 'alert-engine'
  private readonly tracks = new Map<string, Track>()
  private readonly external = new Map<string, RuleSpec>()
  private readonly removers: (() => void)[] = []
  private timer: TimerHandle | null = null
  private running = false
  private readonly policy: OnCallPolicy
  /** Incidents waiting for enrich(): not notified by tick() meanwhile. */
  private readonly enriching = new Set<string>()

  constructor(private readonly o: EngineOptions) {
    this.policy = o.policy ?? new OnCallPolicy([], { repeatIntervalMs: o.repeatIntervalMs })
    if (o.registry) {
      const self = this
      new Gauge({
        name: 'flinkwatch_alerts_firing',
        help: 'Incidents firing, by rule and severity',
        labelNames: ['rule', 'severity'],
        registers: [o.registry],
        collect() {
          this.reset()
          for (const t of self.tracks.values()) if (t.incident?.state === 'firing') this.inc({ rule: t.spec.name, severity: t.incident.severity })
        },
      })
    }
  }

  async start(): Promise<void> {
    // Incidents that were firing when flinkwatch stopped stay open: no second "firing" message.
    for (const a of await this.o.book.firing()) this.track(a)
    this.removers.push(this.o.bus.subscribe('*', (e) => this.onEvent(e)))
    this.running = true
    this.schedule()
  }

  private track(a: AlertEvent): void {
    const spec = this.o.rules.find((r) => r.spec.name === a.rule)?.spec ?? this.externalSpec(a.rule, a.severity)
    const subject = { cluster: a.cluster, jobName: a.jobName, jobId: a.jobId }
    const key = trackKey(a.rule, subject)
    this.tracks.set(key, { key, spec, level: a.jobName === null ? 'cluster' : 'job', subject, pendingSince: a.detectedAt ?? a.startsAt, incident: a })
  }

  /**
   * HA: this instance took the cluster over. Its incidents are what the book says now (the previous owner
   * may have fired or resolved some since this instance started), so a takeover continues them instead of
   * firing them again. Called before the cluster's first poll here.
   */
  async adoptCluster(cluster: string): Promise<void> {
    await this.o.book.flush()
    const firing = (await this.o.book.firing(true)).filter((a) => a.cluster === cluster)
    for (const [key, t] of this.tracks) if (t.subject.cluster === cluster) this.tracks.delete(key)
    for (const a of firing) this.track(a)
  }

  async stop(): Promise<void> {
    this.running = false
    this.removers.splice(0).forEach((r) => r())
    if (this.timer) this.o.clock.clearTimeout(this.timer)
    await this.o.book.flush()
  }

  readiness(): ComponentStatus {
    const firing = this.firing().length
    return { ready: true, detail: `${this.o.rules.length} rules, ${firing} incident(s) firing` }
  }

  firing(): AlertEvent[] {
    return [...this.tracks.values()].flatMap((t) => (t.incident?.state === 'firing' ? [t.incident] : []))
  }

  // ---- IncidentSink -----------------------------------------------------------------------------

  raise(i: RaisedIncident): void {
    const spec = this.externalSpec(i.rule, i.severity)
    this.observe(spec, i.jobName ? 'job' : 'cluster', { subject: { cluster: i.cluster, jobName: i.jobName ?? null, jobId: i.jobId ?? null }, active: true, summary: i.summary, ...(i.figures ? { figures: i.figures } : {}) })
  }

  resolve(rule: string, cluster: string, jobName?: string | null): void {
    const t = this.tracks.get(trackKey(rule, { cluster, jobName: jobName ?? null, jobId: null }))
    if (t) this.observe(t.spec, t.level, { subject: t.subject, active: false })
  }

  announce(n: Announcement): void {
    const now = this.o.clock.now()
    const alert: AlertEvent = {
      id: `announce-${hash(`${n.cluster}|${n.jobName ?? ''}|${n.summary}`)}-${now}`,
      rule: 'announcement',
      severity: n.severity,
      state: 'firing',
      cluster: n.cluster,
      jobId: null,
      jobName: n.jobName ?? null,
      summary: n.summary,
      startsAt: now,
      endsAt: now,
      labels: labels('announcement', n.severity, n.cluster, n.jobName ?? null, null),
      figures: {},
    }
    this.send('announce', alert, now)
  }

  // ---- evaluation --------------------------------------------------------------------------------

  private onEvent(e: ServiceEvent): void {
    if (e.type === 'alert.transition') return
    const now = this.o.clock.now()
    for (const rule of this.o.rules) {
      let obs: Observation[]
      try {
        obs = rule.onEvent(e, now)
      } catch (err) {
        this.o.logger.error({ err, rule: rule.spec.name }, 'rule failed to evaluate an event')
        continue
      }
      for (const ob of obs) this.observe(rule.spec, rule.level, ob)
    }
  }

  /** Evaluation tick: time-based rules, silences that ended, reminders. Public for tests. */
  tick(): void {
    const now = this.o.clock.now()
    for (const rule of this.o.rules) {
      try {
        for (const ob of rule.onTick?.(now) ?? []) this.observe(rule.spec, rule.level, ob)
      } catch (err) {
        this.o.logger.error({ err, rule: rule.spec.name }, 'rule failed on tick')
      }
    }
    for (const t of this.tracks.values()) {
      const a = t.incident
      if (!a || a.state !== 'firing') continue
      if (this.o.owns && !this.o.owns(a.cluster)) continue
      if (!a.notified) {
        if (!this.enriching.has(a.id)) this.gate(t, now)
        continue
      }
      // Held back now (a silence or window opened after it was notified): no reminder, no escalation.
      if (this.o.silences.matching(a, now) || this.o.maintenance?.holding(a, now)) continue
      for (const due of this.policy.remindersDue(a, now)) {
        a.reminders = (a.reminders ?? 0) + 1
        a.lastNotifiedAt = now
        a.remindedAt = { ...a.remindedAt, [due.key]: now }
        this.o.book.save(a)
        this.send('reminder', a, now, due.key === ALL_ROUTES ? `:${a.reminders}` : `:r${due.key}:${a.reminders}`, due.route !== undefined ? { route: due.route } : {})
      }
      for (const step of this.policy.escalationsDue(a, now)) this.escalate(a, step, now)
    }
  }

  /** Pages one escalation level (once: the step is stored with the incident before it is sent). */
  private escalate(a: AlertEvent, step: EscalationStep, now: number): void {
    a.escalations = [...(a.escalations ?? []), step]
    this.o.book.save(a)
    this.o.logger.info({ rule: a.rule, cluster: a.cluster, job: a.jobName, route: step.route, level: step.level, channels: step.channels }, `alert escalated to level ${step.level + 1}: ${a.summary}`)
    this.send('escalation', a, now, `:${step.route}.${step.level}`, { escalation: step })
  }

  /**
   * Changes a firing incident in place (acknowledge, un-acknowledge) and stores it; undefined when no
   * firing incident has this id. Not published as `alert.transition`: the alerts stream would show it
   * as a second "firing".
   */
  update(id: string, change: (a: AlertEvent) => void): AlertEvent | undefined {
    for (const t of this.tracks.values()) {
      const a = t.incident
      if (a?.id !== id || a.state !== 'firing') continue
      // A cluster given up (HA) may leave its track behind here: the new owner holds the incident now.
      if (this.o.owns && !this.o.owns(a.cluster)) return undefined
      change(a)
      this.o.book.save(a)
      return structuredClone(a)
    }
    return undefined
  }

  private observe(spec: RuleSpec, level: 'job' | 'cluster', ob: Observation): void {
    const s = ob.subject
    if (this.o.owns && !this.o.owns(s.cluster)) return
    if (spec.match.cluster && !spec.match.cluster.test(s.cluster)) return
    if (spec.match.job && s.jobName !== null && !spec.match.job.test(s.jobName)) return
    const key = trackKey(spec.name, s)
    let t = this.tracks.get(key)
    const now = ob.at ?? this.o.clock.now()
    if (!ob.active) {
      if (!t) return
      t.pendingSince = null
      if (t.incident?.state === 'firing') this.resolveTrack(t, now)
      this.tracks.delete(key)
      return
    }
    if (!t) this.tracks.set(key, (t = { key, spec, level, subject: { ...s }, pendingSince: null, incident: null }))
    if (s.jobId) t.subject.jobId = s.jobId
    if (t.incident?.state === 'firing') {
      // Keep the figures current for the API and reminders; the incident itself does not change.
      if (ob.figures) t.incident.figures = { ...t.incident.figures, ...ob.figures }
      return
    }
    t.pendingSince ??= now
    if (now - t.pendingSince < spec.forMs) return
    const summary = render(spec, s, ob)
    const a: AlertEvent = {
      id: `${hash(key)}-${now}`,
      rule: spec.name,
      severity: spec.severity,
      state: 'firing',
      cluster: s.cluster,
      jobId: t.subject.jobId,
      jobName: s.jobName,
      summary,
      startsAt: now,
      endsAt: null,
      labels: labels(spec.name, spec.severity, s.cluster, s.jobName, t.subject.jobId),
      figures: ob.figures ?? {},
      detectedAt: t.pendingSince,
      inhibitedBy: null,
      silencedBy: null,
      notified: false,
      lastNotifiedAt: null,
      reminders: 0,
    }
    t.incident = a
    this.o.logger.info({ rule: a.rule, cluster: a.cluster, job: a.jobName }, `alert firing: ${summary}`)
    const extra = this.enrich(a, spec.kind)
    if (extra) {
      this.enriching.add(a.id)
      // Visible (and kept across a restart) at once, with what holds it; its cause follows when the enrichment ends.
      this.recordHolds(t, now)
      this.o.book.save(a)
      void extra.then((add) => {
        this.enriching.delete(a.id)
        if (add) Object.assign(a, add.figures ? { ...add, figures: { ...a.figures, ...add.figures } } : add)
        this.o.book.save(a)
        // Resolved meanwhile: nobody was told it fired, so nobody is told it ended either.
        if (t.incident !== a || a.state !== 'firing') return
        this.gate(t, this.o.clock.now())
        this.o.bus.publish({ type: 'alert.transition', alert: structuredClone(a) })
      })
      return
    }
    this.gate(t, now)
    this.o.book.save(a)
    this.o.bus.publish({ type: 'alert.transition', alert: structuredClone(a) })
  }

  /** The enrichment of a new incident, bounded in time and never rejecting; undefined when there is none. */
  private enrich(a: AlertEvent, kind: string): Promise<Partial<Pick<AlertEvent, 'cause' | 'figures'>> | null> | undefined {
    let p: ReturnType<NonNullable<EngineOptions['enrich']>>
    try {
      p = this.o.enrich?.(structuredClone(a), kind)
    } catch (err) {
      this.o.logger.warn({ err, incident: a.id }, 'enriching an incident failed')
      return undefined
    }
    if (!p) return undefined
    return new Promise((resolve) => {
      const timer = this.o.clock.setTimeout(() => {
        this.o.logger.warn({ incident: a.id }, 'enriching an incident timed out; notifying without it')
        resolve(null)
      }, this.o.enrichTimeoutMs ?? 3000)
      p.then(
        (v) => (this.o.clock.clearTimeout(timer), resolve(v)),
        (err: unknown) => {
          this.o.clock.clearTimeout(timer)
          this.o.logger.warn({ err, incident: a.id }, 'enriching an incident failed; notifying without it')
          resolve(null)
        },
      )
    })
  }

  /** Inhibition, then silences; notifies a firing incident that nothing holds back. */
  private gate(t: Track, now: number): void {
    const a = t.incident!
    const { held, changed } = this.recordHolds(t, now)
    if (!held) {
      a.notified = true
      a.notifiedAt = now
      a.lastNotifiedAt = now
      this.o.book.save(a)
      this.send('firing', a, now)
    } else if (changed) this.o.book.save(a)
  }

  /** What holds the incident's notification back (cluster down, silence, maintenance window), set on it. */
  private recordHolds(t: Track, now: number): { held: boolean; changed: boolean } {
    const a = t.incident!
    const down = t.level === 'job' ? this.clusterDown(a.cluster) : undefined
    const silence = this.o.silences.matching(a, now)
    const window = this.o.maintenance?.holding(a, now)
    const changed = a.inhibitedBy !== (down?.id ?? null) || a.silencedBy !== (silence?.id ?? null) || (window !== undefined && a.maintenance !== window.id)
    a.inhibitedBy = down?.id ?? null
    a.silencedBy = silence?.id ?? null
    // Kept once the window closed: the incident fired in it (visible in the API), notified afterwards.
    if (window) a.maintenance = window.id
    return { held: down !== undefined || silence !== undefined || window !== undefined, changed }
  }

  private resolveTrack(t: Track, now: number): void {
    const a = t.incident!
    a.state = 'resolved'
    a.endsAt = now
    this.o.logger.info({ rule: a.rule, cluster: a.cluster, job: a.jobName }, `alert resolved: ${a.summary}`)
    this.o.book.save(a)
    this.o.bus.publish({ type: 'alert.transition', alert: structuredClone(a) })
    if (a.notified && !this.o.silences.matching(a, now)) this.send('resolved', a, now)
    if (t.spec.name === CLUSTER_DOWN || t.spec.kind === CLUSTER_DOWN) {
      // The cluster is back: what it held back and still fires is news now.
      for (const other of this.tracks.values()) if (other.incident?.state === 'firing' && other.incident.inhibitedBy === a.id) this.gate(other, now)
    }
  }

  private clusterDown(cluster: string): AlertEvent | undefined {
    for (const t of this.tracks.values()) {
      if (t.level === 'cluster' && t.spec.kind === CLUSTER_DOWN && t.subject.cluster === cluster && t.incident?.state === 'firing') return t.incident
    }
    return undefined
  }

  private send(kind: TransitionKind, a: AlertEvent, now: number, suffix = '', only: Pick<AlertTransition, 'route' | 'escalation'> = {}): void {
    try {
      this.o.notify({ id: `${a.id}:${kind}${suffix}`, kind, alert: structuredClone(a), at: kind === 'firing' ? Math.max(a.detectedAt ?? now, now) : now, ...only })
    } catch (err) {
      this.o.logger.error({ err, incident: a.id }, 'notification pipeline refused a transition')
    }
  }

  private externalSpec(rule: string, severity: Severity): RuleSpec {
    let spec = this.external.get(`${rule}|${severity}`)
    if (!spec) this.external.set(`${rule}|${severity}`, (spec = { name: rule, kind: 'external', severity, forMs: 0, match: {}, params: {}, annotation: null }))
    return spec
  }

  private schedule(): void {
    if (!this.running) return
    this.timer = this.o.clock.setTimeout(() => {
      const before = this.o.beforeTick?.(this.firing().filter((a) => !this.o.owns || this.o.owns(a.cluster)))
      if (!before) {
        this.tick()
        return this.schedule()
      }
      void before
        .catch((err: unknown) => this.o.logger.warn({ err }, 'reading changes recorded by other instances failed; evaluating without them'))
        .finally(() => {
          if (!this.running) return
          this.tick()
          this.schedule()
        })
    }, this.o.evaluationIntervalMs)
  }
}

function trackKey(rule: string, s: Subject): string {
  return `${rule}\u0000${s.cluster}\u0000${s.jobName ?? ''}`
}

function hash(s: string): string {
  return createHash('sha1').update(s).digest('hex').slice(0, 12)
}

function labels(rule: string, severity: string, cluster: string, job: string | null, jobId: string | null): Record<string, string> {
  return { alertname: rule, severity, cluster, ...(job ? { job } : {}), ...(jobId ? { job_id: jobId } : {}) }
}

/** The annotation template, or the rule's own summary. */
function render(spec: RuleSpec, s: Subject, ob: Observation): string {
  const summary = ob.summary ?? spec.name
  if (!spec.annotation) return summary
  const vars: Record<string, string> = { cluster: s.cluster, job: s.jobName ?? '', jobId: s.jobId ?? '', rule: spec.name, severity: spec.severity, summary }
  for (const [k, v] of Object.entries(ob.figures ?? {})) vars[k] = v === null ? '' : String(v)
  return spec.annotation.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (m, k: string) => vars[k] ?? m)
}
