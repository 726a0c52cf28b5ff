import type { LogLevel } from '../../model/log-record.js'

/**
 * Flink's default PatternLayout lines: `%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n`, the ISO8601
 * variant, and the stack's file pattern with `[job=<id>]` between logger and message.
 */
const HEAD = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})[,.](\d{3})(Z|[+-]\d{2}:?\d{2})?\s+(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL)\s+(\S+)\s*(.*?)\s-\s([\s\S]*)$/
const STARTS_EVENT = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}[,.]\d{3}/
const JOB_IN_CONTEXT = /job=([0-9a-f]{32})/i
/** First stack line: `java.lang.IllegalStateException: msg` or `Caused by: ...`. */
const THROWABLE = /^(?:Exception in thread "[^"]*"\s+)?([A-Za-z_$][\w$]*(?:\.[\w$]+)+(?:Exception|Error|Throwable)[\w$]*)(?::\s?(.*))?$/

export interface PlainTextFields {
  timestamp: number | null
  level: LogLevel | null
  logger: string | null
  jobId: string | null
  message: string
  errorType: string | null
  errorMessage: string | null
  stackTrace: string | null
}

/** Parses one event (first line plus continuation lines); lines that do not match keep their text as message. */
export function parsePlainText(text: string): PlainTextFields {
  const nl = text.indexOf('\n')
  const first = (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, '')
  const rest = nl < 0 ? '' : text.slice(nl + 1).replace(/\s+$/, '')
  const m = HEAD.exec(first)
  const stack = rest.length > 0 ? rest : null
  const thrown = stack ? THROWABLE.exec(stack.split('\n', 1)[0]!.trim()) : null
  const base = { errorType: thrown?.[1] ?? null, errorMessage: thrown?.[2] ?? null, stackTrace: stack }
  if (!m) return { timestamp: null, level: null, logger: null, jobId: null, message: first, ...base }
  const zone = m[4] ?? 'Z'
  const ts = Date.parse(`${m[1]}T${m[2]}.${m[3]}${zone}`)
  const level = (m[5] === 'WARNING' ? 'WARN' : m[5]) as LogLevel
  return {
    timestamp: Number.isFinite(ts) ? ts : null,
    level,
    logger: m[6]!,
    jobId: JOB_IN_CONTEXT.exec(m[7] ?? '')?.[1]?.toLowerCase() ?? null,
    message: m[8]!.replace(/\r$/, ''),
    ...base,
  }
}

/** Splits a text body into events: a line that does not start with a timestamp belongs to the event before it. */
export function splitPlainTextEvents(body: string): { text: string; firstLine: number }[] {
  const out: { text: string; firstLine: number }[] = []
  const lines = body.split('\n')
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '')
    const last = out[out.length - 1]
    if (last && !STARTS_EVENT.test(line)) last.text += `\n${line}`
    else if (line.trim().length > 0) out.push({ text: line, firstLine: i + 1 })
  })
  for (const e of out) e.text = e.text.replace(/\s+$/, '')
  return out
}

export function parseThrowableHead(stack: string): { type: string | null; message: string | null } {
  const m = THROWABLE.exec(stack.split('\n', 1)[0]!.trim())
  return { type: m?.[1] ?? null, message: m?.[2] ?? null }
}
