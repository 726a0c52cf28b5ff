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

/** Writes one line of the audit trail (the lifecycle feature's OperationService.audit, wired in app.ts). */
export type AuditWriter = (e: Omit<AuditEvent, 'id' | 'at'>) => Promise<unknown>

export interface AckDeps {
  engine: { update(id: string, change: (a: AlertEvent) => void): AlertEvent | undefined }
  book: { get(id: string): Promise<AlertEvent | undefined> }
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

export class AckService {
  constructor(private readonly d: AckDeps) {}

  /** Acknowledges a firing incident; acknowledging it again keeps the first acknowledgement. */
  async acknowledge(id: string, who: string, comment: string | null, via: 'api' | 'link' = 'api'): Promise<AlertEvent> {
    const now = this.d.clock.now()
    let changed = false
    const a = this.d.engine.update(id, (a) => {
      if (a.acknowledgedBy) return
      changed = true
      a.acknowledgedBy = who
      a.acknowledgedAt = now
      a.ackComment = comment
    })
    if (!a) throw await this.notFiring(id)
    if (changed) await this.audit('acknowledge', who, a, `acknowledged ${a.rule} on ${where(a)}${comment ? `: ${comment}` : ''}`, { via, comment })
    return a
  }

  /** Takes an acknowledgement back: reminders and escalation resume (levels already paged stay paged). */
  async unacknowledge(id: string, who: string): Promise<AlertEvent> {
    let previous: string | null = null
    const a = this.d.engine.update(id, (a) => {
      previous = a.acknowledgedBy ?? null
      a.acknowledgedBy = null
      a.acknowledgedAt = null
      a.ackComment = null
    })
    if (!a) throw await this.notFiring(id)
    if (previous !== null) await this.audit('unacknowledge', who, a, `acknowledgement of ${a.rule} on ${where(a)} (by ${previous}) taken back`, { previous })
    return a
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

  private async notFiring(id: string): Promise<Error> {
    const stored = await this.d.book.get(id)
    if (!stored) return new NotFoundError(`no alert ${id}`)
    return new ConflictError(`alert ${id} is ${stored.state === 'firing' ? 'not firing on this instance' : stored.state}; only a firing incident can be acknowledged`)
  }

  private async audit(action: string, who: string, a: AlertEvent, message: string, details: Record<string, unknown>): Promise<void> {
    await this.d.audit?.({ who, action, cluster: a.cluster, jobId: a.jobId, jobName: a.jobName, outcome: 'succeeded', message, operationId: null, details: { incident: a.id, rule: a.rule, ...details } })
  }
}

function where(a: AlertEvent): string {
  return a.jobName ? `${a.cluster} / ${a.jobName}` : a.cluster
}
