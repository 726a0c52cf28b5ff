import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export type DeliveryResult = 'success' | 'retry' | 'throttled' | 'failure' | 'gave_up'

export interface NotifyMetrics {
  attempt(channel: string, result: DeliveryResult): void
  latency(channel: string, seconds: number): void
  /** Called at scrape time. */
  depth(fn: () => Record<string, number>): void
  health(fn: () => Record<string, boolean>): void
}

export function notifyMetrics(registry: Registry | undefined): NotifyMetrics {
  if (!registry) return { attempt() {}, latency() {}, depth() {}, health() {} }
  const attempts = new Counter({ name: 'flinkwatch_notifications_total', help: 'Notification delivery attempts by channel and result', labelNames: ['channel', 'result'], registers: [registry] })
  const latency = new Histogram({
    name: 'flinkwatch_notification_latency_seconds',
    help: 'From detection of an incident transition to its delivery, by channel',
    labelNames: ['channel'],
    buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 1800],
    registers: [registry],
  })
  let depthFn: () => Record<string, number> = () => ({})
  let healthFn: () => Record<string, boolean> = () => ({})
  new Gauge({
    name: 'flinkwatch_notification_queue_depth',
    help: 'Messages waiting for delivery, by channel',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [channel, n] of Object.entries(depthFn())) this.set({ channel }, n)
    },
  })
  new Gauge({
    name: 'flinkwatch_notification_channel_healthy',
    help: '0 when the channel failed permanently (bad signature, keyword, URL) and needs its configuration fixed',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [channel, ok] of Object.entries(healthFn())) this.set({ channel }, ok ? 1 : 0)
    },
  })
  return {
    attempt: (channel, result) => attempts.inc({ channel, result }),
    latency: (channel, s) => latency.observe({ channel }, s),
    depth: (fn) => void (depthFn = fn),
    health: (fn) => void (healthFn = fn),
  }
}
