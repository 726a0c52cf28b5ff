/** Which incident explains a job: pure logic of the job page, unit-tested without a browser. */
import type { Alert } from './types.js'

/**
 * The incident that explains the job's current run: the newest one with a cause that started after this
 * run did (a resubmitted job's id is new and its start later, so an older run's failure is not shown as
 * this one's).
 */
export function currentCause(alerts: readonly Alert[], runStart: number | null): Alert | null {
  let best: Alert | null = null
  for (const a of alerts) {
    if (!a.cause) continue
    if (runStart !== null && a.startsAt < runStart) continue
    if (!best || a.startsAt > best.startsAt) best = a
  }
  return best
}
