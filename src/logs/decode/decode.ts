import type { HeaderValue, LogLevel, LogRecord, RawLog } from '../../model/log-record.js'
import { parsePlainText, parseThrowableHead } from './plain-text.js'
import { decodeUtf8, looksBinary, truncateUtf8, utf8Length } from './utf8.js'

/** Why a payload could not become a record (counted in flinkwatch_logs_rejected_total{reason}). */
export type RejectReason = 'empty' | 'binary'

/** What was wrong but survivable: the record is kept (counted in flinkwatch_logs_decode_issues_total{issue}). */
export type DecodeIssue = 'invalid_utf8' | 'broken_json' | 'not_an_object' | 'wrong_type' | 'no_timestamp' | 'truncated' | 'oversized_raw'

export type DecodeOutcome = { ok: true; record: LogRecord; issues: DecodeIssue[] } | { ok: false; reason: RejectReason }

export type { HeaderValue, RawLog } from '../../model/log-record.js'

export interface DecodeOptions {
  maxRecordBytes: number
}

const LEVELS: Record<string, LogLevel> = { TRACE: 'TRACE', DEBUG: 'DEBUG', INFO: 'INFO', WARN: 'WARN', WARNING: 'WARN', ERROR: 'ERROR', ERR: 'ERROR', FATAL: 'FATAL', SEVERE: 'ERROR', CRITICAL: 'FATAL' }
const MAX_KEYWORD_BYTES = 1024
const JOB_ID = /^[0-9a-f]{32}$/i
/** The bytes looksBinary() counts (NUL and C0 controls other than tab, newline, CR and ESC). */
const MAYBE_BINARY = /[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f]/

// Field aliases, first match wins: ECS names, then the MDC key Flink uses, then EcsLayout's flattened labels.
const F = {
  timestamp: ['@timestamp', 'timestamp', 'timeMillis'],
  level: ['log.level', 'level'],
  logger: ['log.logger', 'logger_name', 'loggerName', 'logger'],
  thread: ['process.thread.name', 'thread_name', 'thread'],
  message: ['message', 'msg'],
  errorType: ['error.type'],
  errorMessage: ['error.message'],
  stackTrace: ['error.stack_trace', 'error.stack'],
  cluster: ['flink.cluster', 'flink-cluster', 'labels.flink.cluster', 'labels.flink-cluster'],
  jobId: ['flink.job.id', 'flink-job-id', 'labels.flink-job-id', 'labels.flink_job_id', 'mdc.flink-job-id', 'jobId'],
  jobName: ['flink.job.name', 'flink-job-name', 'labels.flink-job-name', 'jobName'],
  taskManager: ['flink.taskmanager.id', 'flink-taskmanager-id', 'labels.flink-taskmanager-id', 'taskManagerId'],
} as const
const HOST_NAME = ['host.name'] as const

/**
 * Turns one payload into a LogRecord: ECS JSON (log4j2 JsonTemplateLayout/EcsLayout) or a plain-text line in
 * Flink's pattern. Never throws: bad payloads are kept as raw text with issues noted, or rejected with a reason.
 */
export function decodeLog(raw: RawLog, opts: DecodeOptions): DecodeOutcome {
  const bytes = raw.value
  if (!bytes || bytes.length === 0) return { ok: false, reason: 'empty' }
  // Far beyond the limit, parsing is not worth it: keep the head as raw text.
  const hardCap = Math.max(1024 * 1024, opts.maxRecordBytes * 4)
  const oversized = bytes.length > hardCap
  const { text, valid } = decodeUtf8(oversized ? bytes.subarray(0, opts.maxRecordBytes + 4) : bytes)
  // The byte-by-byte check only when the text has a control character at all (a native regex scan): UTF-8
  // decoding keeps every byte below 0x80 as that character, so a text without any has no such byte either.
  if ((oversized || MAYBE_BINARY.test(text)) && looksBinary(bytes)) return { ok: false, reason: 'binary' }
  const issues: DecodeIssue[] = []
  if (!valid) issues.push('invalid_utf8')
  if (oversized) issues.push('oversized_raw')

  let draft: Draft
  const trimmed = text.trimStart()
  if (!oversized && trimmed.startsWith('{')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(trimmed)
    } catch {
      issues.push('broken_json')
    }
    if (parsed !== undefined && (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))) issues.push('not_an_object')
    draft = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? fromJson(parsed as Record<string, unknown>, trimmed, issues) : fromText(text)
  } else {
    draft = fromText(text)
  }

  fillIdentityFromKafka(draft, raw)
  let timestamp = draft.timestamp
  if (timestamp === null) {
    issues.push('no_timestamp')
    timestamp = raw.sourceTimestamp ?? raw.receivedAt
  }
  let truncated = oversized
  const budget = opts.maxRecordBytes
  const msg = truncateUtf8(draft.message, budget)
  const stack = draft.stackTrace === null ? null : truncateUtf8(draft.stackTrace, Math.max(0, budget - utf8Length(msg.text)))
  if (msg.cut || stack?.cut) truncated = true
  const cut: Flags = { flag: false }
  const errMsg = draft.errorMessage === null ? null : truncateUtf8(draft.errorMessage, 4096)
  if (errMsg?.cut) truncated = true
  const record: LogRecord = {
    id: raw.id,
    timestamp,
    level: draft.level,
    message: msg.text,
    logger: keyword(draft.logger, cut),
    thread: keyword(draft.thread, cut),
    cluster: keyword(draft.cluster, cut),
    jobId: keyword(draft.jobId, cut),
    jobName: keyword(draft.jobName, cut),
    taskManager: keyword(draft.taskManager, cut),
    errorType: keyword(draft.errorType, cut),
    errorMessage: errMsg?.text ?? null,
    stackTrace: stack?.text || null,
    truncated: truncated || cut.flag,
    origin: raw.origin,
  }
  if (record.truncated) issues.push('truncated')
  return { ok: true, record, issues }
}

// Helpers are module functions, not closures made per record: this runs for every line.
interface Flags {
  flag: boolean
}

function keyword(v: string | null, cut: Flags): string | null {
  if (v === null) return null
  const t = truncateUtf8(v, MAX_KEYWORD_BYTES)
  if (t.cut) cut.flag = true
  return t.text
}

/** The first non-empty string (numbers and booleans as text) at one of the paths; other types flag `wrong`. */
function stringAt(doc: Record<string, unknown>, paths: readonly string[], wrong: Flags): string | null {
  for (const p of paths) {
    const v = lookup(doc, p)
    if (v === undefined || v === null) continue
    if (typeof v === 'string') {
      if (v.length === 0) continue
      return v
    }
    if (typeof v === 'number' || typeof v === 'boolean') return String(v)
    wrong.flag = true
  }
  return null
}

interface Draft {
  timestamp: number | null
  level: LogLevel | null
  message: string
  logger: string | null
  thread: string | null
  cluster: string | null
  jobId: string | null
  jobName: string | null
  taskManager: string | null
  errorType: string | null
  errorMessage: string | null
  stackTrace: string | null
}

function fromText(text: string): Draft {
  const p = parsePlainText(text)
  return { ...p, thread: null, cluster: null, jobName: null, taskManager: null }
}

function fromJson(doc: Record<string, unknown>, rawText: string, issues: DecodeIssue[]): Draft {
  const w: Flags = { flag: false }
  let wrong = false
  const messageValue = firstDefined(doc, F.message)
  let message: string
  if (typeof messageValue === 'string') message = messageValue
  else if (messageValue === undefined || messageValue === null) message = ''
  else {
    wrong = true
    message = typeof messageValue === 'object' ? JSON.stringify(messageValue) : String(messageValue)
  }
  const levelText = stringAt(doc, F.level, w)
  const level = levelText === null ? null : (LEVELS[levelText.toUpperCase()] ?? null)
  if (levelText !== null && level === null) wrong = true
  let stackTrace: string | null = null
  const st = firstDefined(doc, F.stackTrace)
  if (typeof st === 'string') stackTrace = st.trimEnd() || null
  else if (Array.isArray(st)) stackTrace = st.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') || null
  else if (st !== undefined && st !== null) wrong = true
  let errorType = stringAt(doc, F.errorType, w)
  let errorMessage = stringAt(doc, F.errorMessage, w)
  if (stackTrace && errorType === null) {
    const head = parseThrowableHead(stackTrace)
    errorType = head.type
    errorMessage ??= head.message
  }
  const jobId = stringAt(doc, F.jobId, w)
  const draft: Draft = {
    timestamp: timestampOf(firstDefined(doc, F.timestamp)),
    level,
    message,
    logger: stringAt(doc, F.logger, w),
    thread: stringAt(doc, F.thread, w),
    cluster: stringAt(doc, F.cluster, w),
    jobId: jobId === null ? null : JOB_ID.test(jobId) ? jobId.toLowerCase() : jobId,
    jobName: stringAt(doc, F.jobName, w),
    taskManager: stringAt(doc, F.taskManager, w) ?? stringAt(doc, HOST_NAME, w),
    errorType,
    errorMessage,
    stackTrace,
  }
  // A JSON object without a message is still a line someone logged: keep the whole document as text.
  if (message === '' && errorMessage === null && stackTrace === null) draft.message = rawText
  if (wrong || w.flag) issues.push('wrong_type')
  return draft
}

function fillIdentityFromKafka(d: Draft, raw: RawLog): void {
  if (raw.headers) {
    d.cluster ??= header(raw.headers, 'flink.cluster')
    d.jobId ??= header(raw.headers, 'flink.job.id') ?? header(raw.headers, 'flink-job-id')
    d.jobName ??= header(raw.headers, 'flink.job.name')
    d.taskManager ??= header(raw.headers, 'flink.taskmanager.id')
  }
  // The key only fills gaps: skip decoding it when the payload named both.
  if ((d.jobId === null || d.taskManager === null) && raw.key && raw.key.length > 0 && raw.key.length <= 256) {
    const key = decodeUtf8(raw.key).text.trim()
    if (JOB_ID.test(key)) d.jobId ??= key.toLowerCase()
    else if (key.length > 0) d.taskManager ??= key
  }
}

function header(headers: Readonly<Record<string, HeaderValue>>, name: string): string | null {
  const v = headers[name]
  const one = Array.isArray(v) ? v[0] : v
  if (one === undefined) return null
  const s = (typeof one === 'string' ? one : decodeUtf8(one).text).trim()
  return s.length > 0 ? s : null
}

function firstDefined(doc: Record<string, unknown>, paths: readonly string[]): unknown {
  for (const p of paths) {
    const v = lookup(doc, p)
    if (v !== undefined && v !== null) return v
  }
  return undefined
}

/** Dotted path into a document whose keys may themselves contain dots ("log.level" flat or {log:{level}}). */
export function lookup(doc: unknown, path: string): unknown {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined
  const obj = doc as Record<string, unknown>
  if (Object.prototype.hasOwnProperty.call(obj, path)) return obj[path]
  let dot = path.indexOf('.')
  while (dot > 0) {
    const head = path.slice(0, dot)
    if (Object.prototype.hasOwnProperty.call(obj, head)) {
      const v = lookup(obj[head], path.slice(dot + 1))
      if (v !== undefined) return v
    }
    dot = path.indexOf('.', dot + 1)
  }
  return undefined
}

function timestampOf(v: unknown): number | null {
  if (typeof v === 'string') {
    const t = Date.parse(v)
    if (Number.isFinite(t)) return t
    if (/^\d+(\.\d+)?$/.test(v)) return timestampOf(Number(v))
    return null
  }
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) {
    if (v < 1e11) return Math.round(v * 1000)
    if (v < 1e14) return Math.round(v)
    if (v < 1e17) return Math.round(v / 1000)
    return Math.round(v / 1e6)
  }
  // log4j JsonTemplateLayout's instant: {epochSecond, nanoOfSecond}
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>
    if (typeof o['epochSecond'] === 'number') return o['epochSecond'] * 1000 + Math.floor((typeof o['nanoOfSecond'] === 'number' ? o['nanoOfSecond'] : 0) / 1e6)
  }
  return null
}
