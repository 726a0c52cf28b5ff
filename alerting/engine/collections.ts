import type { CollectionSpec } from '../../src/storage/store.js'

/** Incidents, one document each, rewritten on every transition. */
export const ALERTS = 'alerts'
export const SILENCES = 'alert_silences'
/** One document per (incident transition, channel): the durable unit of "accepted". */
export const OUTBOX = 'alert_outbox'
/** One document per message to a channel (a digest, or a part of one). */
export const MESSAGES = 'alert_messages'

export const alertingCollections: readonly CollectionSpec[] = [
  { name: ALERTS, keywords: ['state', 'rule', 'cluster', 'jobName', 'severity'], numbers: ['startsAt'] },
  { name: SILENCES, keywords: ['createdBy'], numbers: ['endsAt'] },
  { name: OUTBOX, keywords: ['channel', 'state', 'incidentId', 'transitionId', 'messageId'] },
  { name: MESSAGES, keywords: ['channel', 'state'] },
]
