/**
 * The Coordinator on the flinkwatch store: members are documents renewed by their instance, leases are
 * documents written only by compare-and-set (Elasticsearch `if_seq_no`/`if_primary_term`, as Kibana's task
 * manager claims work). Expiry compares wall clocks across instances, so instances need NTP; the holder's
 * own validity ends `marginMs` early (coordinator.ts, LeaseGrant.validUntil) to absorb skew.
 */
import type { Clock } from '../core/clock.js'
import type { CollectionSpec, Store, StoredDoc } from '../storage/store.js'
import type { Coordinator, LeaseGrant, LeaseRecord, Member, MemberInfo } from './coordinator.js'

export const MEMBERS_COLLECTION = 'ha_members'
export const HA_LEASES_COLLECTION = 'ha_leases'
export const haCollections: readonly CollectionSpec[] = [
  { name: MEMBERS_COLLECTION, keywords: ['id'], numbers: ['lastHeartbeat'] },
  { name: HA_LEASES_COLLECTION, keywords: ['holder', 'kind'], numbers: ['epoch', 'expiresAt'] },
]

/** Dead members stay listed (alive: false) this many TTLs, then are forgotten. */
const FORGET_AFTER_TTLS = 40

interface MemberBody extends MemberInfo {
  [key: string]: unknown
  lastHeartbeat: number
}

interface LeaseBody {
  [key: string]: unknown
  holder: string
  kind: string
  epoch: number
  expiresAt: number
}

export interface StoreCoordinatorOptions {
  store: Store
  clock: Clock
  instanceId: string
  /** Members and leases not renewed for this long are dead. */
  ttlMs: number
  /** How much earlier than the stored expiry a holder stops acting on its lease (default ttl / 5). */
  marginMs?: number
}

export class StoreCoordinator implements Coordinator {
  readonly instanceId: string
  private readonly margin: number

  constructor(private readonly o: StoreCoordinatorOptions) {
    this.instanceId = o.instanceId
    this.margin = o.marginMs ?? Math.floor(o.ttlMs / 5)
  }

  async heartbeat(self: MemberInfo): Promise<void> {
    const now = this.o.clock.now()
    const body: MemberBody = { id: self.id, address: self.address, version: self.version, startedAt: self.startedAt, lastHeartbeat: now }
    await this.o.store.write(MEMBERS_COLLECTION, [{ id: self.id, timestamp: now, body }], 'upsert')
  }

  async members(): Promise<Member[]> {
    const now = this.o.clock.now()
    const r = await this.o.store.query<MemberBody>(MEMBERS_COLLECTION, { from: now - FORGET_AFTER_TTLS * this.o.ttlMs, order: 'asc', limit: 1000 })
    return r.docs
      .map((d) => ({ ...memberOf(d.body), alive: d.body.lastHeartbeat + this.o.ttlMs > now }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  async leave(): Promise<void> {
    await this.o.store.delete(MEMBERS_COLLECTION, this.instanceId)
  }

  async acquire(key: string, current?: LeaseGrant): Promise<LeaseGrant | null> {
    const now = this.o.clock.now()
    if (current) {
      const r = await this.cas(key, current.epoch, now + this.o.ttlMs, current.version)
      if (r.ok) return this.grant(r.doc, now)
      // Our previous renewal may have been written although its answer was lost: still ours, same term.
      const cur = r.current
      if (cur && cur.body.holder === this.instanceId && cur.body.epoch === current.epoch && cur.body.expiresAt > now) {
        const again = await this.cas(key, current.epoch, now + this.o.ttlMs, cur.version)
        if (again.ok) return this.grant(again.doc, now)
      }
      return null
    }
    const cur = await this.o.store.get<LeaseBody>(HA_LEASES_COLLECTION, key)
    if (cur && cur.body.holder !== this.instanceId && cur.body.expiresAt > now) return null
    // Always a new term, even when the stored holder is our own id (a restart within the TTL): whatever the
    // previous life had under way is fenced off.
    const r = await this.cas(key, (cur?.body.epoch ?? 0) + 1, now + this.o.ttlMs, cur?.version ?? null)
    if (!r.ok) return null
    const takenFrom = cur && cur.body.holder !== this.instanceId ? { holder: cur.body.holder, expired: cur.body.expiresAt > 0 } : undefined
    return this.grant(r.doc, now, takenFrom)
  }

  async release(grant: LeaseGrant): Promise<void> {
    await this.cas(grant.key, grant.epoch, 0, grant.version)
  }

  async lease(key: string): Promise<LeaseRecord | undefined> {
    const d = await this.o.store.get<LeaseBody>(HA_LEASES_COLLECTION, key)
    return d ? recordOf(d) : undefined
  }

  async leases(kind: string): Promise<LeaseRecord[]> {
    const r = await this.o.store.query<LeaseBody>(HA_LEASES_COLLECTION, { where: { kind }, limit: 10_000 })
    return r.docs.map(recordOf)
  }

  private cas(key: string, epoch: number, expiresAt: number, expected: string | null) {
    const body: LeaseBody = { holder: this.instanceId, kind: key.slice(0, Math.max(0, key.indexOf(':'))), epoch, expiresAt }
    return this.o.store.compareAndSet<LeaseBody>(HA_LEASES_COLLECTION, { id: key, timestamp: this.o.clock.now(), body }, expected)
  }

  private grant(d: StoredDoc<LeaseBody>, sentAt: number, takenFrom?: LeaseGrant['takenFrom']): LeaseGrant {
    return { ...recordOf(d), version: d.version, validUntil: sentAt + this.o.ttlMs - this.margin, ...(takenFrom ? { takenFrom } : {}) }
  }
}

function memberOf(b: MemberBody): Omit<Member, 'alive'> {
  return { id: b.id, address: b.address, version: b.version, startedAt: b.startedAt, lastHeartbeat: b.lastHeartbeat }
}

function recordOf(d: StoredDoc<LeaseBody>): LeaseRecord {
  return { key: d.id, holder: d.body.holder, epoch: d.body.epoch, expiresAt: d.body.expiresAt }
}
