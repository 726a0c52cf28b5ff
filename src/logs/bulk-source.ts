import type { LogRecord } from '../model/log-record.js'
import { BODY_TS_FIELD, ID_FIELD, TOKENS_FIELD, textFieldKey } from '../storage/es-mapping.js'
import { tokenText } from './tokens.js'

const TS_HEAD = `{"@timestamp":`
const ID_KEY = `,"${ID_FIELD}":`
const BODY_TS_KEY = `,"${BODY_TS_FIELD}":"`
const T0_KEY = `,"${TOKENS_FIELD}":{"${textFieldKey(0)}":`
const T1_KEY = `,"${textFieldKey(1)}":`

/**
 * The Elasticsearch `_source` of a log record, character for character what EsBulkWriter makes from
 * toDocument(r) (and so what ElasticsearchStore stores), written from the record's fields: no body objects,
 * no second serialisation. Keys in toDocument's order; absent and empty fields left out the same way.
 * `tokens`: the store's pretokenized analysis (message, then stack trace: logsCollection.text).
 * The timestamp must be valid (the writer checks it first: toISOString throws on NaN).
 */
export function logSource(r: LogRecord, tokens: boolean): string {
  // An ISO time and token text (letters, digits and spaces only) never need escaping.
  let s = `${TS_HEAD}${Math.trunc(r.timestamp)}${ID_KEY}${JSON.stringify(r.id)}${BODY_TS_KEY}${isoTime(r.timestamp)}"`
  if (tokens) s += `${T0_KEY}"${tokenText(r.message)}"${T1_KEY}"${r.stackTrace ? tokenText(r.stackTrace) : ''}"}`
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
