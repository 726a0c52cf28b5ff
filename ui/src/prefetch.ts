/**
 * Reads started at boot, before `/whoami` answers, for the page the address opens: the fleet's job list is
 * the largest read and its first screen waits on nothing else, so it should not also wait a round trip for
 * the session. Each prefetched answer is taken once; every later load fetches afresh.
 */
import { api } from './api.js'

/** The fleet's job list: the largest read, and the only one its first screen waits on. */
export const FLEET_JOBS = '/jobs'

const started = new Map<string, Promise<unknown>>()

export function prefetch(path: string): void {
  if (started.has(path)) return
  const p = api(path)
  // Whoever takes it handles the error; an untaken failure (the page changed) must not be unhandled.
  p.catch(() => undefined)
  started.set(path, p)
}

export function takePrefetched<T>(path: string): Promise<T> | undefined {
  const p = started.get(path) as Promise<T> | undefined
  started.delete(path)
  return p
}
