/**
 * When a maintenance window is open. Recurring windows use cron-parser: node-cron (which runs our
 * retention schedules) can only fire callbacks on real timers, it cannot say when the occurrence
 * before or after a given instant is, and certainly not in a time zone across a DST change.
 */
import { CronExpressionParser } from 'cron-parser'
import { parseDuration } from '../../src/core/duration.js'
import type { MaintenanceWindow } from '../../src/model/maintenance.js'

export interface Opening {
  start: number
  end: number
}

/** The opening that contains `now`, or null. */
export function openingAt(w: MaintenanceWindow, now: number): Opening | null {
  if (w.from !== null && w.to !== null) return w.from <= now && now < w.to ? { start: w.from, end: w.to } : null
  if (!w.cron || !w.duration) return null
  // prev() is strictly before currentDate: +1 ms makes an occurrence at exactly `now` count.
  const start = CronExpressionParser.parse(w.cron, { tz: w.timeZone, currentDate: new Date(now + 1) }).prev().getTime()
  const end = start + parseDuration(w.duration)
  return now < end ? { start, end } : null
}

/** The next opening that starts after `now` (for the API), or null for a one-off window in the past. */
export function nextOpening(w: MaintenanceWindow, now: number): Opening | null {
  if (w.from !== null && w.to !== null) return w.from > now ? { start: w.from, end: w.to } : null
  if (!w.cron || !w.duration) return null
  const start = CronExpressionParser.parse(w.cron, { tz: w.timeZone, currentDate: new Date(now) }).next().getTime()
  return { start, end: start + parseDuration(w.duration) }
}
