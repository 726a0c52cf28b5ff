/**
 * main.tsx's first import, so it runs before the rest of the bundle evaluates (~80 ms on the bench machine):
 * the reads the first screen waits on, the session and for the fleet page its job list, are on the wire by
 * then instead of after it.
 */
import { FLEET_JOBS, prefetch } from './prefetch.js'
import { startSession } from './session.js'

startSession()
if (location.pathname === '/' || location.pathname === '/index.html') prefetch(FLEET_JOBS)
