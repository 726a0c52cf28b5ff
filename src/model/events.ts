import type { ClusterIncident, ClusterStatus } from './cluster.js'
import type { JobSnapshot, JobTransition } from './job.js'

/**
 * Everything that moves inside the service. Features publish and subscribe
 * here instead of importing each other (the WebSocket stream, rules and
 * auto-restart all listen to the same events).
 */
export type ServiceEvent =
  | { type: 'job.transition'; transition: JobTransition }
  | { type: 'cluster.status'; status: ClusterStatus; previous: ClusterStatus['status'] | null }
  | { type: 'cluster.incident'; incident: ClusterIncident }
  | { type: 'fleet.updated'; cluster: string; jobs: readonly JobSnapshot[]; at: number }
  /** Stored log lines of level WARN and worse (what rules count); INFO and below never cross the bus. */
  | { type: 'log.stored'; records: readonly import('./log-record.js').LogRecord[] }
  | { type: 'alert.transition'; alert: import('./alert.js').AlertEvent }
  | { type: 'operation.updated'; operation: import('./operation.js').Operation }

export type ServiceEventType = ServiceEvent['type']
