import type { EventBus } from '../core/event-bus.js'
import { BadRequestError } from '../core/errors.js'
import type { StreamTopic } from '../stream/stream-hub.js'
import type { FleetView } from './fleet-view.js'

/**
 * WebSocket topic `jobs`: every job transition as `{topic: 'jobs', type: 'transition', data: JobTransition}`.
 * Optional filters: `cluster=<id>` and `job=<jobId>`.
 */
export function jobsTopic(bus: EventBus, view: FleetView): StreamTopic {
  return {
    name: 'jobs',
    subscribe(params, push) {
      const cluster = params['cluster']
      const job = params['job']
      if (cluster !== undefined && !view.cluster(cluster)) throw new BadRequestError(`unknown cluster ${cluster} (known: ${view.clusters().map((c) => c.id).join(', ')})`)
      return bus.subscribe('job.transition', ({ transition }) => {
        if (cluster !== undefined && transition.cluster !== cluster) return
        if (job !== undefined && transition.jobId !== job) return
        push({ topic: 'jobs', type: 'transition', data: transition })
      })
    },
  }
}
