/**
 * The IncidentSink used when the alerting feature is not wired in: incidents become `alert.transition`
 * events on the bus (the WebSocket `alerts` topic and any listener see them) and log lines; one-off
 * announcements are logged. The alerting module's sink replaces it in app.ts.
 */
import type { Clock } from '../core/clock.js'
import type { EventBus } from '../core/event-bus.js'
import type { Logger } from '../core/logger.js'
import type { AlertEvent } from '../model/alert.js'
import type { IncidentSink } from '../../alerting/incidents.js'

export function busIncidentSink(bus: EventBus, clock: Clock, logger: Logger): IncidentSink {
  const open = new Map<string, AlertEvent>()
  const id = (rule: string, cluster: string, jobName?: string | null): string => `${rule}|${cluster}|${jobName ?? ''}`
  return {
    raise(i) {
      const k = id(i.rule, i.cluster, i.jobName)
      if (open.has(k)) return
      const alert: AlertEvent = {
        id: `${k}|${clock.now()}`,
        rule: i.rule,
        severity: i.severity,
        state: 'firing',
        cluster: i.cluster,
        jobId: i.jobId ?? null,
        jobName: i.jobName ?? null,
        summary: i.summary,
        startsAt: clock.now(),
        endsAt: null,
        labels: { rule: i.rule, cluster: i.cluster, ...(i.jobName ? { job_name: i.jobName } : {}) },
        figures: i.figures ?? {},
      }
      open.set(k, alert)
      logger.error({ incident: i.rule, severity: i.severity, cluster: i.cluster, job: i.jobName }, i.summary)
      bus.publish({ type: 'alert.transition', alert })
    },
    resolve(rule, cluster, jobName) {
      const k = id(rule, cluster, jobName)
      const a = open.get(k)
      if (!a) return
      open.delete(k)
      const resolved: AlertEvent = { ...a, state: 'resolved', endsAt: clock.now() }
      logger.info({ incident: rule, cluster, job: jobName }, `resolved: ${a.summary}`)
      bus.publish({ type: 'alert.transition', alert: resolved })
    },
    announce(n) {
      logger[n.severity === 'info' ? 'info' : 'warn']({ cluster: n.cluster, job: n.jobName, severity: n.severity }, n.summary)
    },
  }
}
