import type { EventBus } from '../../src/core/event-bus.js'
import type { StreamTopic } from '../../src/stream/stream-hub.js'

/**
 * WebSocket topic `alerts`: every incident transition (firing, resolved) as
 * `{topic: 'alerts', type: 'firing' | 'resolved', data: AlertEvent}`. Optional filters:
 * `cluster=<id>`, `severity=<critical|warning|info>`.
 */
export function alertsTopic(bus: EventBus): StreamTopic {
  return {
    name: 'alerts',
    subscribe(params, push) {
      const cluster = params['cluster']
      const severity = params['severity']
      return bus.subscribe('alert.transition', ({ alert }) => {
        if (cluster !== undefined && alert.cluster !== cluster) return
        if (severity !== undefined && alert.severity !== severity) return
        push({ topic: 'alerts', type: alert.state, data: alert })
      })
    },
  }
}
