/**
 * Rendezvous (highest-random-weight) hashing: every instance computes the same owner for a key from the
 * same member list, and a join or a leave moves only the keys the changed member wins or held (about
 * 1/n of them), unlike modulo hashing.
 */
import { createHash } from 'node:crypto'

export function weight(member: string, key: string): bigint {
  return createHash('sha1').update(member).update('\0').update(key).digest().readBigUInt64BE(0)
}

/** The member that should hold `key`; undefined for no members. Ties (never in practice) go to the smaller id. */
export function rendezvousOwner(key: string, members: readonly string[]): string | undefined {
  let best: string | undefined
  let bestWeight = -1n
  for (const m of members) {
    const w = weight(m, key)
    if (w > bestWeight || (w === bestWeight && best !== undefined && m < best)) {
      best = m
      bestWeight = w
    }
  }
  return best
}
