/**
 * One-click acknowledge links: `<server.publicUrl>/api/v1/ack/<token>`, where the token is the
 * incident id, a random nonce and an expiry, signed with HMAC-SHA256. The link works without an API
 * token (it is clicked from a phone's chat app), so the signature is what authorises it: bound to one
 * incident, expiring (`alerting.ackLinks.ttl`) and usable once (the nonce is claimed in the store
 * with compareAndSet, so two clicks, or two flinkwatch instances, cannot both use it).
 *
 * The key is `alerting.ackLinks.secret` or, unset, 32 random bytes created once in the store
 * (compareAndSet again: every instance ends up with the same key) so links survive restarts.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Clock } from '../../src/core/clock.js'
import type { AlertEvent } from '../../src/model/alert.js'
import type { CollectionSpec, Store } from '../../src/storage/store.js'

export const ONCALL_STATE = 'alert_oncall_state'
export const ACK_LINKS_USED = 'alert_ack_links'
export const ackLinkCollections: readonly CollectionSpec[] = [
  { name: ONCALL_STATE, keywords: [] },
  { name: ACK_LINKS_USED, keywords: ['incidentId'] },
]
const KEY_DOC = 'ack-link-key'

export type LinkCheck =
  | { ok: true; incidentId: string; nonce: string; expiresAt: number }
  | { ok: false; reason: 'forged' | 'expired' | 'used' }

/**
 * `<incident id, base64url>.<nonce>.<expiry, epoch seconds, base 36>.<HMAC-SHA256, first 128 bits>`:
 * about 80 characters, short enough for a URL path segment (fastify's 100) and a chat message. A
 * 128-bit tag is as hard to forge as the full one is to brute-force in practice (RFC 2104 §5).
 */
const TOKEN = /^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{12})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{22})$/

export class AckLinks {
  private key: Buffer | null

  constructor(private readonly o: { store: Store; clock: Clock; publicUrl: string | undefined; secret: string | undefined; ttlMs: number }) {
    this.key = o.secret ? Buffer.from(o.secret, 'utf8') : null
  }

  /** Loads (or creates) the stored key when no secret is configured. */
  async start(): Promise<void> {
    if (this.key) return
    for (let i = 0; i < 3 && !this.key; i++) {
      const doc = await this.o.store.get<{ key: string }>(ONCALL_STATE, KEY_DOC)
      if (doc) {
        this.key = Buffer.from(doc.body.key, 'base64')
        break
      }
      const fresh = randomBytes(32).toString('base64')
      const r = await this.o.store.compareAndSet(ONCALL_STATE, { id: KEY_DOC, timestamp: this.o.clock.now(), body: { key: fresh } }, null)
      if (r.ok) this.key = Buffer.from(fresh, 'base64')
    }
  }

  get enabled(): boolean {
    return this.key !== null && this.o.publicUrl !== undefined
  }

  /** A fresh link for a firing incident; null without server.publicUrl (or before start). */
  link(a: AlertEvent): string | null {
    if (!this.enabled || a.state !== 'firing') return null
    return `${this.o.publicUrl!.replace(/\/+$/, '')}/api/v1/ack/${this.token(a.id)}`
  }

  token(incidentId: string, expiresAt = this.o.clock.now() + this.o.ttlMs): string {
    const body = `${Buffer.from(incidentId).toString('base64url')}.${randomBytes(9).toString('base64url')}.${Math.ceil(expiresAt / 1000).toString(36)}`
    return `${body}.${this.sign(body)}`
  }

  /** Signature and expiry, then whether it was used already. */
  async check(token: string): Promise<LinkCheck> {
    const p = this.verify(token)
    if (!p.ok) return p
    const used = await this.o.store.get(ACK_LINKS_USED, p.nonce)
    return used ? { ok: false, reason: 'used' } : p
  }

  /** Claims the link (once, across instances); `used` when it was claimed before. */
  async consume(token: string, by: string): Promise<LinkCheck> {
    const p = this.verify(token)
    if (!p.ok) return p
    const now = this.o.clock.now()
    // Kept until the link expires (the timestamp), then retention may drop it: an expired link is refused anyway.
    const r = await this.o.store.compareAndSet(ACK_LINKS_USED, { id: p.nonce, timestamp: p.expiresAt, body: { incidentId: p.incidentId, usedAt: now, usedBy: by } }, null)
    if (!r.ok) return { ok: false, reason: 'used' }
    void this.o.store.deleteOlderThan(ACK_LINKS_USED, now).catch(() => undefined)
    return p
  }

  private verify(token: string): LinkCheck {
    if (!this.key) return { ok: false, reason: 'forged' }
    const m = TOKEN.exec(token)
    if (!m) return { ok: false, reason: 'forged' }
    const expected = Buffer.from(this.sign(`${m[1]}.${m[2]}.${m[3]}`))
    const given = Buffer.from(m[4]!)
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'forged' }
    const expiresAt = parseInt(m[3]!, 36) * 1000
    if (this.o.clock.now() >= expiresAt) return { ok: false, reason: 'expired' }
    return { ok: true, incidentId: Buffer.from(m[1]!, 'base64url').toString('utf8'), nonce: m[2]!, expiresAt }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key!).update(`flinkwatch-ack:${body}`).digest().subarray(0, 16).toString('base64url')
  }
}
