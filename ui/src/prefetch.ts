/**
 * Reads started at boot, before `/whoami` answers, for the page the address opens: the fleet's first screen
 * and the first page of its whole list are the largest reads, and they wait on nothing else, so they should
 * not also wait a round trip for the session. Each prefetched answer is taken once; every later load fetches afresh.
 */
import { api, qs } from './api.js'

/** Jobs per page of the fleet's whole list (10,000 jobs are ~3 MB: a page is ~0.6 MB, parsed in a few ms). */
export const PAGE_ROWS = 2000
/** The first page of the fleet's whole list, in cluster order (a job keeps its place while the list is paged). */
export const FLEET_JOBS = `/jobs?limit=${PAGE_ROWS}`

export function fleetPage(cursor: string): string {
  return `${FLEET_JOBS}&cursor=${encodeURIComponent(cursor)}`
}

/** Rows asked for first: more than the tallest screen shows, a few KB to send and parse. */
export const FIRST_SCREEN_ROWS = 100

/**
 * The head of the fleet table as the server orders it (failing first, then by name: the console's default
 * sort), so the first screen does not wait for the whole list. Null for any other sort, whose head only the
 * whole list tells.
 */
export function fleetFirstScreen(params: URLSearchParams): string | null {
  const sort = params.get('sort')
  if ((sort !== null && sort !== 'state') || params.get('dir') === 'desc') return null
  const filter = { q: params.get('q')?.trim() ?? '', state: params.get('state') ?? '', cluster: params.get('cluster') ?? '' }
  return `/jobs${qs({ ...filter, sort: 'severity', limit: FIRST_SCREEN_ROWS })}`
}

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

/** The prefetched answer when there is one (asked again if it failed, e.g. before sign-in), else a fresh read. */
export function prefetchedOrFetch<T>(path: string): Promise<T> {
  return takePrefetched<T>(path)?.catch(() => api<T>(path)) ?? api<T>(path)
}
