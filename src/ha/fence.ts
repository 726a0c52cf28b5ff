/**
 * Fencing: every write that matters (incident transitions, outbox claims, restart claims) carries the
 * epoch of the lease it was made under, and is a compare-and-set on the document it changes. A paused or
 * partitioned old owner is stopped twice: by its own clock (its grant's validity ended before anyone could
 * take the lease), and by the store (the new owner's write changed the version the old one expects, and
 * a document stamped with a newer epoch of the same lease is never overwritten by an older one).
 */
import { FENCE_FIELD, type CasResult, type DocBody, type NewDoc, type Store, type StoredDoc } from '../storage/store.js'

export interface Fence {
  /** The lease (`cluster:<id>`, `channel:<id>`); empty for the unfenced single instance. */
  readonly key: string
  readonly epoch: number
  /** Whether this instance may still act under the lease, by its own clock. */
  held(): boolean
}

/** Without HA one process owns everything, for ever. */
export const UNFENCED: Fence = { key: '', epoch: 0, held: () => true }

export interface FenceStamp {
  [key: string]: unknown
  key: string
  epoch: number
}

export { FENCE_FIELD } from '../storage/store.js'

export type FencedResult<T extends DocBody> = CasResult<T> | { ok: false; fenced: string; current: StoredDoc<T> | undefined }

/** A write refused by its fence: not a failure, the work is someone else's now. */
export class FencedError extends Error {
  constructor(readonly reason: string) {
    super(`refused by fencing: ${reason}`)
    this.name = 'FencedError'
  }
}

/** Whether `fence` may overwrite `current`: a newer term of the same lease wrote it last → no. */
export function fenceAdmits(fence: Fence, current: StoredDoc | undefined): string | null {
  if (!fence.held()) return `lease ${fence.key} (epoch ${fence.epoch}) is no longer held`
  const stamp = current?.body[FENCE_FIELD] as FenceStamp | undefined
  if (stamp && fence.key !== '' && stamp.key === fence.key && stamp.epoch > fence.epoch) {
    return `document written under epoch ${stamp.epoch} of ${fence.key}, newer than ours (${fence.epoch})`
  }
  return null
}

/**
 * Writes `doc` over `current` (null: only if absent) under `fence`, stamping it. Refused, without writing,
 * when the lease lapsed or a newer epoch wrote `current`; refused by the store when anyone wrote since.
 */
export async function fencedCompareAndSet<T extends DocBody>(
  store: Store,
  collection: string,
  doc: NewDoc<T>,
  current: StoredDoc<T> | null,
  fence: Fence,
): Promise<FencedResult<T>> {
  const refused = fenceAdmits(fence, current ?? undefined)
  if (refused) return { ok: false, fenced: refused, current: current ?? undefined }
  const stamp: FenceStamp = { key: fence.key, epoch: fence.epoch }
  const body = { ...doc.body, [FENCE_FIELD]: stamp } as T
  return store.compareAndSet<T>(collection, { ...doc, body }, current?.version ?? null)
}
