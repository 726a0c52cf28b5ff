/**
 * A lease in the store (compareAndSet with expiry): what makes a restart single-flight across several
 * flinkwatch instances sharing one store. A holder that dies loses it at expiry; nobody else can take it
 * before.
 */
import type { Clock } from '../core/clock.js'
import type { CollectionSpec, Store } from '../storage/store.js'

export const LEASES_COLLECTION = 'leases'
export const leasesCollection: CollectionSpec = { name: LEASES_COLLECTION, keywords: ['owner'] }

interface LeaseBody {
  [key: string]: unknown
  owner: string
  expiresAt: number
}

export interface Lease {
  key: string
  version: string
}

export class StoreLeases {
  constructor(private readonly store: Store, private readonly clock: Clock, readonly owner: string) {}

  /** The lease, or null when another owner holds an unexpired one. */
  async acquire(key: string, ttlMs: number): Promise<Lease | null> {
    for (let i = 0; i < 3; i++) {
      const cur = await this.store.get<LeaseBody>(LEASES_COLLECTION, key)
      const now = this.clock.now()
      if (cur && cur.body.owner !== this.owner && cur.body.expiresAt > now) return null
      const r = await this.store.compareAndSet<LeaseBody>(LEASES_COLLECTION, { id: key, timestamp: now, body: { owner: this.owner, expiresAt: now + ttlMs } }, cur?.version ?? null)
      if (r.ok) return { key, version: r.doc.version }
    }
    return null
  }

  /** Gives the lease up if we still hold it. */
  async release(lease: Lease): Promise<void> {
    const now = this.clock.now()
    await this.store.compareAndSet<LeaseBody>(LEASES_COLLECTION, { id: lease.key, timestamp: now, body: { owner: this.owner, expiresAt: 0 } }, lease.version)
  }
}
