/**
 * Acknowledging an incident ("I have it"): who and when go on the incident (and so into the store and
 * the API) and into the audit trail (`GET /api/v1/events`). An acknowledged incident gets no more
 * reminders and no further escalation levels; it still resolves (and that is still notified).
 */
import type { Clock } from '../../src/core/clock.js'
import { ConflictError, NotFoundError } from '../../src/core/errors.js'
import type { AlertEvent } from '../../src/model/alert.js'
import type { AuditEvent } from '../../src/model/operation.js'
import type { AckLinks, LinkCheck } from './ack-links.js'
import { ackState, NOT_ACKNOWLEDGED, sameAck, type AckRecords, type AckState } from './ack-records.js'

/** Writes one line of the audit trail (the lifecycle feature's OperationService.audit, wired in app.ts). */
export type AuditWriter = (e: Omit<AuditEvent, 'id' | 'at'>) => Promise<unknown>

export interface AckDeps {
  /** The local engine: changes an incident it tracks (and owns); undefined when it does not. */
  engine: { update(id: string, change: (a: AlertEvent) => void): AlertEvent | undefined }
  book: { get(id: string): Promise<AlertEvent | undefined> }
  /** Where acknowledgements are recorded for the owning instance (and a new owner) to apply. */
  records: AckRecords
  links: AckLinks
  clock: Clock
  audit?: AuditWriter | undefined
}

export type LinkOutcome = { ok: true; alert: AlertEvent } | { ok: false; status: 403 | 404 | 409; message: string; alert?: AlertEvent }

const REFUSED: Record<Extract<LinkCheck, { ok: false }>['reason'], string> = {
  forged: 'this acknowledge link is not valid',
  expired: 'this acknowledge link has expired',
  used: 'this acknowledge link was used already',
}

/** Rounds of read-then-compare-and-set before giving up when others keep changing the same record. */
const CAS_ROUNDS = 5

/**
 * Acknowledge and un-acknowledge, through any instance: the record in the store is written first
 * (compare-and-set: done once however many instances receive it), then applied at once when this
 * instance owns the incident, else by the owner before its next evaluation tick (ack-records.ts).
 */
export class AckService {
  constructor(private readonly d: AckDeps) {}

  /** Acknowledges a firing incident; acknowledging it again keeps the first acknowledgement. */
  async acknowledge(id: string, who: string, comment: string | null, via: 'api' | 'link' = 'api'): Promise<AlertEvent> {
    const next: AckState = { acknowledgedBy: who, acknowledgedAt: this.d.clock.now(), ackComment: comment }
    const r = await this.change(id, who, (current) => (current.acknowledgedBy ? null : next))
    if (r.changed) await this.audit('acknowledge', who, r.alert, `acknowledged ${r.alert.rule} on ${where(r.alert)}${comment ? `: ${comment}` : ''}`, { via, comment })
    return r.alert
  }

  /** Takes an acknowledgement back: reminders and escalation resume (levels already paged stay paged). */
  async unacknowledge(id: string, who: string): Promise<AlertEvent> {
    const r = await this.change(id, who, (current) => (current.acknowledgedBy ? NOT_ACKNOWLEDGED : null))
    if (r.changed) await this.audit('unacknowledge', who, r.alert, `acknowledgement of ${r.alert.rule} on ${where(r.alert)} (by ${r.previous ?? '?'}) taken back`, { previous: r.previous })
    return r.alert
  }

  /**
   * Records `decide(current)` for a firing incident (null: leave it as it is) and returns the incident
   * showing it. 404 when unknown, 409 when it is not firing.
   */
  private async change(id: string, who: string, decide: (current: AckState) => AckState | null): Promise<{ alert: AlertEvent; changed: boolean; previous: string | null }> {
    for (let round = 0; round < CAS_ROUNDS; round++) {
      const stored = await this.d.book.get(id)
      if (!stored) throw new NotFoundError(`no alert ${id}`)
      if (stored.state !== 'firing') throw new ConflictError(`alert ${id} is ${stored.state}; only a firing incident can be acknowledged`)
      const record = await this.d.records.get(id)
      const current = record?.state ?? ackState(stored)
      const next = decide(current)
      if (next === null) return { alert: this.show(stored, current), changed: false, previous: current.acknowledgedBy }
      if (!(await this.d.records.set(id, next, record?.version ?? null, who))) continue
      return { alert: this.show(stored, next), changed: true, previous: current.acknowledgedBy }
    }
    throw new ConflictError(`the acknowledgement of alert ${id} kept changing meanwhile; try again`)
  }

  /** The incident with `state`: the engine's own copy when this instance owns it (applied now), else the stored one. */
  private show(stored: AlertEvent, state: AckState): AlertEvent {
    const local = this.d.engine.update(stored.id, (a) => {
      if (!sameAck(ackState(a), state)) Object.assign(a, state)
    })
    return local ?? { ...stored, ...state }
  }

  /** What a GET on a link shows: the incident, or why the link is refused (403). */
  async viewLink(token: string): Promise<LinkOutcome> {
    const c = await this.d.links.check(token)
    if (!c.ok) return { ok: false, status: 403, message: REFUSED[c.reason] }
    const a = await this.d.book.get(c.incidentId)
    if (!a) return { ok: false, status: 404, message: 'the incident is gone' }
    return { ok: true, alert: a }
  }

  /** A POST on a link: claims it (once) and acknowledges. */
  async acknowledgeByLink(token: string, name: string | null, comment: string | null): Promise<LinkOutcome> {
    const who = name ? `${name} (acknowledge link)` : 'acknowledge link'
    const c = await this.d.links.consume(token, who)
    if (!c.ok) return { ok: false, status: 403, message: REFUSED[c.reason] }
    try {
      return { ok: true, alert: await this.acknowledge(c.incidentId, who, comment, 'link') }
    } catch (err) {
      if (err instanceof NotFoundError) return { ok: false, status: 404, message: err.message }
      if (err instanceof ConflictError) return { ok: false, status: 409, message: err.message }
      throw err
    }
  }

  private async audit(action: string, who: string, a: AlertEvent, message: string, details: Record<string, unknown>): Promise<void> {
    await this.d.audit?.({ who, action, cluster: a.cluster, jobId: a.jobId, jobName: a.jobName, outcome: 'succeeded', message, operationId: null, details: { incident: a.id, rule: a.rule, ...details } })
  }
}

function where(a: AlertEvent): string {
  return a.jobName ? `${a.cluster} / ${a.jobName}` : a.cluster
}
