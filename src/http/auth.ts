import { timingSafeEqual } from 'node:crypto'
import type { Role } from '../config/sections/server.js'
import type { AuthConfig } from '../config/sections/server.js'

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 }

export interface Principal {
  name: string
  role: Role
}

export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; status: 401 | 403; message: string }

/** Bearer-token check for /api/*; with no tokens configured everyone is an anonymous admin (loopback only). */
export class TokenAuth {
  private readonly tokens: { name: string; token: Buffer; role: Role }[]

  constructor(config: AuthConfig) {
    this.tokens = config.tokens.map((t) => ({ name: t.name, role: t.role, token: Buffer.from(t.token) }))
  }

  get enabled(): boolean {
    return this.tokens.length > 0
  }

  check(presented: string | undefined, needed: Role): AuthOutcome {
    if (!this.enabled) return { ok: true, principal: { name: 'anonymous', role: 'admin' } }
    if (!presented) return { ok: false, status: 401, message: 'missing bearer token' }
    const given = Buffer.from(presented)
    const match = this.tokens.find((t) => t.token.length === given.length && timingSafeEqual(t.token, given))
    if (!match) return { ok: false, status: 401, message: 'invalid bearer token' }
    if (RANK[match.role] < RANK[needed]) return { ok: false, status: 403, message: `role ${match.role} may not do this; ${needed} required` }
    return { ok: true, principal: { name: match.name, role: match.role } }
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
  return m?.[1]
}

// The config check refuses non-loopback hosts without tokens, so the test lives below config, in core.
export { isLoopback } from '../core/net.js'
