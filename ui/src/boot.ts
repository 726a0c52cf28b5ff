/**
 * main.tsx's first import, so it runs before the rest of the bundle evaluates (~80 ms on the bench machine):
 * the reads the first screen waits on, the session and for the fleet page its first screen and the first
 * page of its whole job list, are on the wire by then instead of after it. The small head is asked for
 * first, so the server answers it before it serialises the page.
 */
import { FLEET_JOBS, fleetFirstScreen, prefetch } from './prefetch.js'
import { startSession } from './session.js'

startSession()
if (location.pathname === '/' || location.pathname === '/index.html') {
  const head = fleetFirstScreen(new URLSearchParams(location.search))
  if (head) prefetch(head)
  prefetch(FLEET_JOBS)
}
