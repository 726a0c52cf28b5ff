/** Who is signed in: `/whoami` once per token; `canOperate` decides whether action buttons exist at all. */
import { ApiError, api, authRequired, setToken } from './api.js'
import { store } from './store.js'
import type { Role, WhoAmI } from './types.js'

export const session = store<WhoAmI | null>(null)

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 }

export function hasRole(me: WhoAmI | null, needed: Role): boolean {
  return me !== null && RANK[me.role] >= RANK[needed]
}

let started: Promise<boolean> | null = null

/** Asks for the session at boot (boot.ts); the shell takes that answer with `takeSession`. */
export function startSession(): void {
  started ??= loadSession()
  // Taken and handled by the shell; never an unhandled rejection in between.
  started.catch(() => undefined)
}

export function takeSession(): Promise<boolean> {
  const p = started ?? loadSession()
  started = null
  return p
}

/** Loads /whoami; false when a token is needed (the sign-in prompt shows). */
export async function loadSession(): Promise<boolean> {
  try {
    session.value = await api<WhoAmI>('/whoami')
    authRequired.value = false
    return true
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      session.value = null
      authRequired.value = true
      return false
    }
    // A flinkwatch without /whoami (older than the console): reads tell whether the token works.
    if (err instanceof ApiError && err.status === 404) {
      await api('/clusters')
      session.value = { name: 'anonymous', role: 'admin', authEnabled: false }
      authRequired.value = false
      return true
    }
    throw err
  }
}

export function signOut(): void {
  setToken(null)
  session.value = null
  authRequired.value = true
}
