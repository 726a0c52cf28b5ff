/**
 * Acknowledgements as the store keeps them, one record per incident (its id is the incident's id).
 * With several instances (HA) an incident lives in the memory of the instance owning its cluster, but
 * an acknowledgement may arrive at any instance: the one receiving it writes the record here
 * (compare-and-set, so two instances acknowledging at once give one acknowledgement and one audit
 * line), and the owner applies it onto the incident before each evaluation tick, so its next reminder
 * and escalation level are already decided with it. A new owner after a takeover reads the same
 * records. Where a record exists it is the truth about the acknowledgement; without one, the incident's
 * own fields are (acknowledgements made before records existed).
 */
import { Type, type Static } from '@sinclair/typebox'
import type { Clock } from '../../src/core/clock.js'
import type { Logger } from '../../src/core/logger.js'
import type { AlertEvent } from '../../src/model/alert.js'
import type { CollectionSpec, Store, StoredDoc } from '../../src/storage/store.js'
import { MAX_LIMIT } from '../../src/storage/store.js'
import { DocGuard } from '../engine/stored.js'

export const ACKS = 'alert_acks'
export const ackRecordCollection: CollectionSpec = { name: ACKS, keywords: ['incidentId'] }

/** Records outlive what they change: the owner copies them onto the incident within a tick; then only a takeover reads them. */
const KEEP_MS = 30 * 24 * 3_600_000
/** Ids per query when the owner reads the records of its firing incidents (a storm of 1,000 is one query). */
const CHUNK = 1000

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const AckRecordDoc = Type.Object({
  incidentId: Type.String(),
  acknowledgedBy: Nullable(Type.String()),
  acknowledgedAt: Nullable(Type.Number()),
  ackComment: Nullable(Type.String()),
  changedBy: Type.String(),
  changedAt: Type.Number(),
})
type AckRecordBody = Static<typeof AckRecordDoc>

/** The acknowledgement fields of an incident. */
export type AckState = Pick<Required<AlertEvent>, 'acknowledgedBy' | 'acknowledgedAt' | 'ackComment'>

export const NOT_ACKNOWLEDGED: AckState = { acknowledgedBy: null, acknowledgedAt: null, ackComment: null }

export function ackState(a: Pick<AlertEvent, 'acknowledgedBy' | 'acknowledgedAt' | 'ackComment'>): AckState {
  return { acknowledgedBy: a.acknowledgedBy ?? null, acknowledgedAt: a.acknowledgedAt ?? null, ackComment: a.ackComment ?? null }
}

export function sameAck(a: AckState, b: AckState): boolean {
  return a.acknowledgedBy === b.acknowledgedBy && a.acknowledgedAt === b.acknowledgedAt && a.ackComment === b.ackComment
}

export interface AckRecord {
  state: AckState
  /** compare-and-set token of the stored record. */
  version: string
}

export class AckRecords {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly guard: DocGuard = new DocGuard(),
    private readonly logger?: Logger,
  ) {}

  async get(incidentId: string): Promise<AckRecord | undefined> {
    const doc = await this.store.get(ACKS, incidentId)
    return doc ? this.decode(doc) : undefined
  }

  /**
   * Writes the incident's acknowledgement if the record is still at `expected` (null: there is none);
   * false when another instance changed it first. Made visible to queries at once: the owner's next
   * tick must see it.
   */
  async set(incidentId: string, state: AckState, expected: string | null, by: string): Promise<boolean> {
    const now = this.clock.now()
    const body: AckRecordBody = { incidentId, ...state, changedBy: by, changedAt: now }
    const r = await this.store.compareAndSet(ACKS, { id: incidentId, timestamp: now, body }, expected)
    if (!r.ok) return false
    await this.store.refresh(ACKS)
    void this.store.deleteOlderThan(ACKS, now - KEEP_MS).catch((err: unknown) => this.logger?.warn({ err }, 'dropping old acknowledgement records failed'))
    return true
  }

  /** The records of these incidents, by incident id (incidents without one are absent). */
  async read(incidentIds: readonly string[]): Promise<Map<string, AckState>> {
    const out = new Map<string, AckState>()
    for (let i = 0; i < incidentIds.length; i += CHUNK) {
      const ids = incidentIds.slice(i, i + CHUNK)
      const r = await this.store.query(ACKS, { where: { incidentId: ids }, limit: MAX_LIMIT })
      for (const doc of r.docs) {
        const rec = this.decode(doc)
        if (rec) out.set(doc.id, rec.state)
      }
    }
    return out
  }

  private decode(doc: StoredDoc): AckRecord | undefined {
    const body = this.guard.check(ACKS, AckRecordDoc, doc)
    return body ? { state: ackState(body), version: doc.version } : undefined
  }
}

/**
 * The owner's half: before a tick, copies onto its firing incidents the acknowledgements recorded for
 * them (through any instance) that they do not show yet. `update` is the engine's.
 */
export async function applyRecordedAcks(records: AckRecords, firing: readonly AlertEvent[], update: (id: string, change: (a: AlertEvent) => void) => unknown): Promise<number> {
  if (firing.length === 0) return 0
  const recorded = await records.read(firing.map((a) => a.id))
  let applied = 0
  for (const a of firing) {
    const state = recorded.get(a.id)
    if (!state || sameAck(state, ackState(a))) continue
    update(a.id, (x) => Object.assign(x, state))
    applied++
  }
  return applied
}
