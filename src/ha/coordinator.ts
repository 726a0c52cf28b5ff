/**
 * The high-availability seam: membership (who is alive) and leases with epochs (who holds what). The store
 * backend (store-coordinator.ts) runs on the store's compareAndSet, which is Elasticsearch's
 * if_seq_no/if_primary_term; a Kubernetes `Lease` backend maps one to one (holderIdentity, renewTime plus
 * leaseDurationSeconds, leaseTransitions as the epoch, resourceVersion for the compare-and-set).
 */

/** What an instance says about itself when it registers. */
export interface MemberInfo {
  readonly id: string
  /** Where its API is reached (forwarding, the instances list). */
  readonly address: string
  readonly version: string
  /** Epoch milliseconds. */
  readonly startedAt: number
}

export interface Member extends MemberInfo {
  readonly lastHeartbeat: number
  /** Heartbeat within the TTL, by the reader's clock. */
  readonly alive: boolean
}

/** A lease as stored: holder, term and expiry. */
export interface LeaseRecord {
  readonly key: string
  readonly holder: string
  /**
   * The lease's term: a new holder (or a holder coming back after expiry or release) gets epoch + 1, a
   * renewal keeps it. Fenced writes carry it, so a write of an older term is refused (fence.ts).
   */
  readonly epoch: number
  /** Epoch milliseconds by the holder's clock; 0 once released. */
  readonly expiresAt: number
}

/** A lease this instance holds. */
export interface LeaseGrant extends LeaseRecord {
  /** Compare-and-set token of the stored lease. */
  readonly version: string
  /**
   * Local clock time until which this instance may act on the grant: measured from when the renewal was
   * sent, minus a margin for clock skew and writes in flight, so it ends before anyone else can take it.
   */
  readonly validUntil: number
  /** Set when this grant took the lease from another instance: after its lease expired, or after it released it. */
  readonly takenFrom?: { readonly holder: string; readonly expired: boolean }
}

export interface Coordinator {
  readonly instanceId: string
  /** Registers this instance or renews its registration. */
  heartbeat(self: MemberInfo): Promise<void>
  /** Every registered member, alive or dead (forgotten some TTLs after its last heartbeat). */
  members(): Promise<Member[]>
  /** Leaves the membership at once (clean shutdown), so others need not wait for the TTL. */
  leave(): Promise<void>
  /**
   * Takes `key`, or renews `current`; null when another instance holds an unexpired lease, or when
   * `current` is no longer ours (someone took it after it expired).
   */
  acquire(key: string, current?: LeaseGrant): Promise<LeaseGrant | null>
  /** Gives the lease up if it is still ours: it expires at once, so the next holder need not wait. */
  release(grant: LeaseGrant): Promise<void>
  /** The lease of `key` as stored now (read-your-writes). */
  lease(key: string): Promise<LeaseRecord | undefined>
  /** Every lease of one kind (keys are `<kind>:<id>`); may lag writes by a second on Elasticsearch. */
  leases(kind: string): Promise<LeaseRecord[]>
}
