import type { LogLevel, LogRecord } from '../model/log-record.js'
import { getPath, type CollectionSpec, type DocBody, type NewDoc, type StoredDoc } from '../storage/store.js'

export const LOGS_COLLECTION = 'logs'
export const DEAD_LETTER_COLLECTION = 'logs_deadletter'

/** ECS field paths, the one place that names them (store filters, tail matcher, search hits). */
export const FIELD = {
  level: 'log.level',
  logger: 'log.logger',
  thread: 'process.thread.name',
  cluster: 'flink.cluster',
  jobId: 'flink.job.id',
  jobName: 'flink.job.name',
  taskManager: 'flink.taskmanager.id',
  kind: 'event.kind',
  message: 'message',
  stackTrace: 'error.stack_trace',
} as const

export const logsCollection: CollectionSpec = {
  name: LOGS_COLLECTION,
  keywords: [FIELD.level, FIELD.logger, FIELD.thread, FIELD.cluster, FIELD.jobId, FIELD.jobName, FIELD.taskManager, FIELD.kind],
  // The stack trace is searchable too: people search for exception class names, which live there.
  text: [FIELD.message, FIELD.stackTrace],
  daily: true,
}

export const deadLetterCollection: CollectionSpec = {
  name: DEAD_LETTER_COLLECTION,
  keywords: ['origin', 'collection'],
  daily: true,
}

/** The stored, ECS-shaped document; absent fields are left out rather than null (ES mappings stay tidy). */
export function toDocument(r: LogRecord): NewDoc {
  const body: DocBody = { '@timestamp': new Date(r.timestamp).toISOString(), message: r.message }
  const log: Record<string, string> = {}
  if (r.level) log['level'] = r.level
  if (r.logger) log['logger'] = r.logger
  if (Object.keys(log).length > 0) body['log'] = log
  if (r.thread) body['process'] = { thread: { name: r.thread } }
  const error: Record<string, string> = {}
  if (r.errorType) error['type'] = r.errorType
  if (r.errorMessage) error['message'] = r.errorMessage
  if (r.stackTrace) error['stack_trace'] = r.stackTrace
  if (Object.keys(error).length > 0) body['error'] = error
  const flink: Record<string, unknown> = {}
  if (r.cluster) flink['cluster'] = r.cluster
  const job: Record<string, string> = {}
  if (r.jobId) job['id'] = r.jobId
  if (r.jobName) job['name'] = r.jobName
  if (Object.keys(job).length > 0) flink['job'] = job
  if (r.taskManager) flink['taskmanager'] = { id: r.taskManager }
  if (Object.keys(flink).length > 0) body['flink'] = flink
  body['event'] = { kind: r.marker ? 'marker' : 'log' }
  const fw: Record<string, unknown> = { origin: r.origin }
  if (r.truncated) fw['truncated'] = true
  if (r.marker) fw['marker'] = r.marker
  body['flinkwatch'] = fw
  return { id: r.id, timestamp: r.timestamp, body }
}

export interface LogHit {
  id: string
  timestamp: string
  level: string | null
  message: string
  logger: string | null
  thread: string | null
  cluster: string | null
  jobId: string | null
  jobName: string | null
  taskManager: string | null
  stackTrace: string | null
  truncated: boolean
  marker: boolean
  highlight: string | null
}

/** A search hit: the stored record (fromDocument) in the API's shape. */
export function toHit(d: StoredDoc): LogHit {
  const r = fromDocument(d)
  return {
    id: r.id,
    timestamp: new Date(r.timestamp).toISOString(),
    level: r.level,
    message: r.message,
    logger: r.logger,
    thread: r.thread,
    cluster: r.cluster,
    jobId: r.jobId,
    jobName: r.jobName,
    taskManager: r.taskManager,
    stackTrace: r.stackTrace,
    truncated: r.truncated,
    marker: r.marker !== undefined || read(d.body, FIELD.kind) === 'marker',
    highlight: d.highlight ?? null,
  }
}

/** Reads a dotted path from a body written by toDocument (nested) or by another writer (dotted keys). */
export const read = getPath

/** The record a stored document came from: the inverse of toDocument, for listeners of stored lines. */
export function fromDocument(d: NewDoc): LogRecord {
  const b = d.body
  const s = (path: string): string | null => {
    const v = read(b, path)
    return typeof v === 'string' ? v : null
  }
  const fw = read(b, 'flinkwatch')
  const meta = fw !== null && typeof fw === 'object' ? (fw as Record<string, unknown>) : {}
  const marker = meta['marker'] as LogRecord['marker'] | undefined
  const level = s(FIELD.level)
  return {
    id: d.id,
    timestamp: d.timestamp,
    level: level ? (levelOf(level) ?? null) : null,
    message: s(FIELD.message) ?? '',
    logger: s(FIELD.logger),
    thread: s(FIELD.thread),
    cluster: s(FIELD.cluster),
    jobId: s(FIELD.jobId),
    jobName: s(FIELD.jobName),
    taskManager: s(FIELD.taskManager),
    errorType: s('error.type'),
    errorMessage: s('error.message'),
    stackTrace: s(FIELD.stackTrace),
    truncated: meta['truncated'] === true,
    origin: typeof meta['origin'] === 'string' ? meta['origin'] : '',
    ...(marker ? { marker } : {}),
  }
}

export function levelOf(v: string): LogLevel | undefined {
  const u = v.toUpperCase()
  return (['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const).find((l) => l === u || (u === 'WARNING' && l === 'WARN'))
}
