import type { LogRecord } from '../model/log-record.js'
import { sourceHead } from '../storage/es-source.js'
import { tokenText } from './tokens.js'

/**
 * The Elasticsearch `_source` of a log record, character for character what the store's encoder
 * (src/storage/es-source.ts) makes from toDocument(r), written from the record's fields: no body objects, no
 * second serialisation. The head (time, id, tokens) is the encoder's own; the body's keys follow in
 * toDocument's order, absent and empty fields left out the same way (test/unit/logs/bulk-source.test.ts).
 * `tokens`: the store's pretokenized analysis (message, then stack trace: logsCollection.text).
 * The timestamp must be valid (the writer checks it first: toISOString throws on NaN).
 */
export function logSource(r: LogRecord, tokens: boolean): string {
  // An ISO time never needs escaping.
  const tokenTexts = tokens ? [tokenText(r.message), r.stackTrace ? tokenText(r.stackTrace) : ''] : null
  let s = sourceHead(r.timestamp, r.id, `"${isoTime(r.timestamp)}"`, tokenTexts)
  s += `,"message":${JSON.stringify(r.message)}`
  if (r.level || r.logger) {
    s += r.level ? `,"log":{"level":${JSON.stringify(r.level)}${r.logger ? `,"logger":${JSON.stringify(r.logger)}` : ''}}` : `,"log":{"logger":${JSON.stringify(r.logger)}}`
  }
  if (r.thread) s += `,"process":{"thread":{"name":${JSON.stringify(r.thread)}}}`
  if (r.errorType || r.errorMessage || r.stackTrace) {
    let e = ''
    if (r.errorType) e += `,"type":${JSON.stringify(r.errorType)}`
    if (r.errorMessage) e += `,"message":${JSON.stringify(r.errorMessage)}`
    if (r.stackTrace) e += `,"stack_trace":${JSON.stringify(r.stackTrace)}`
    s += `,"error":{${e.slice(1)}}`
  }
  if (r.cluster || r.jobId || r.jobName || r.taskManager) {
    let f = ''
    if (r.cluster) f += `,"cluster":${JSON.stringify(r.cluster)}`
    if (r.jobId || r.jobName) {
      let j = ''
      if (r.jobId) j += `,"id":${JSON.stringify(r.jobId)}`
      if (r.jobName) j += `,"name":${JSON.stringify(r.jobName)}`
      f += `,"job":{${j.slice(1)}}`
    }
    if (r.taskManager) f += `,"taskmanager":{"id":${JSON.stringify(r.taskManager)}}`
    s += `,"flink":{${f.slice(1)}}`
  }
  s += r.marker ? `,"event":{"kind":"marker"}` : `,"event":{"kind":"log"}`
  s += `,"flinkwatch":{"origin":${JSON.stringify(r.origin)}`
  if (r.truncated) s += `,"truncated":true`
  if (r.marker) s += `,"marker":${JSON.stringify(r.marker)}`
  return `${s}}}`
}

let isoSecond = Number.NaN
let isoPrefix = ''

/**
 * `new Date(t).toISOString()`, from the last second's prefix when t falls in it: lines come in time order, so
 * most share their second with the line before.
 */
export function isoTime(t: number): string {
  // Date keeps whole milliseconds, truncated towards zero.
  const ms = Math.trunc(t)
  const second = Math.floor(ms / 1000)
  const milli = ms - second * 1000
  if (second !== isoSecond) {
    const iso = new Date(ms).toISOString()
    isoSecond = second
    isoPrefix = iso.slice(0, -4)
    return iso
  }
  return `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`
}
