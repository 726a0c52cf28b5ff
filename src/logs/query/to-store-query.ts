import type { FieldValue, Query } from '../../storage/store.js'
import { FIELD } from '../document.js'
import type { LogField, ParsedLogQuery } from './parse.js'

const JOB_ID = /^[0-9a-f]{32}$/i
/** A value no document has: an empty intersection of filters must match nothing on every backend. */
export const NO_MATCH = '\u0000none'

export interface LogFilters {
  cluster?: string | undefined
  /** A job id (32 hex) or a job name. */
  job?: string | undefined
  taskManager?: string | undefined
  /** Comma-separated levels. */
  level?: string | undefined
}

/** One "any of these values" constraint; all constraints hold together. */
export interface FieldConstraint {
  path: string
  values: string[]
}

/** Field constraints from q (same field: any of) plus the querystring filters (each must also hold). */
export function constraints(p: ParsedLogQuery, f: LogFilters = {}): { where: FieldConstraint[]; whereNot: FieldConstraint[] } {
  const where: FieldConstraint[] = []
  for (const [field, values] of Object.entries(p.fields) as [LogField, string[]][]) where.push(toConstraint(field, values))
  if (f.cluster) where.push(toConstraint('cluster', [f.cluster]))
  if (f.taskManager) where.push(toConstraint('taskManager', [f.taskManager]))
  if (f.job) where.push(toConstraint('job', [f.job]))
  if (f.level) where.push(toConstraint('level', f.level.split(',').map((l) => l.trim().toUpperCase()).filter(Boolean)))
  const whereNot: FieldConstraint[] = []
  for (const [field, values] of Object.entries(p.notFields) as [LogField, string[]][]) {
    if (field === 'job') {
      const ids = values.filter((v) => JOB_ID.test(v)).map((v) => v.toLowerCase())
      const names = values.filter((v) => !JOB_ID.test(v))
      if (ids.length > 0) whereNot.push({ path: FIELD.jobId, values: ids })
      if (names.length > 0) whereNot.push({ path: FIELD.jobName, values: names })
    } else whereNot.push(toConstraint(field, values))
  }
  return { where, whereNot }
}

function toConstraint(field: LogField, values: string[]): FieldConstraint {
  if (field === 'level') return { path: FIELD.level, values: values.map((v) => (v.toUpperCase() === 'WARNING' ? 'WARN' : v.toUpperCase())) }
  if (field === 'job') {
    // job matches the id or the name: a 32-hex value is a Flink JobID, anything else a name. "id A or name B"
    // in one clause cannot be expressed as AND-ed filters, so ids win there.
    const ids = values.filter((v) => JOB_ID.test(v)).map((v) => v.toLowerCase())
    return ids.length > 0 ? { path: FIELD.jobId, values: ids } : { path: FIELD.jobName, values }
  }
  return { path: FIELD[field], values }
}

/** The store query for a parsed log query: one translation for SQLite and Elasticsearch alike. */
export function toStoreQuery(
  p: ParsedLogQuery,
  f: LogFilters,
  extra: { from?: number | undefined; to?: number | undefined; limit?: number | undefined; cursor?: string | undefined; highlight?: boolean },
): Query {
  const c = constraints(p, f)
  const where: Record<string, FieldValue[]> = {}
  for (const { path, values } of c.where) {
    const cur = where[path]
    const next = cur ? cur.filter((v) => values.includes(String(v))) : [...new Set(values)]
    where[path] = next.length > 0 ? next : [NO_MATCH]
  }
  const whereNot: Record<string, FieldValue[]> = {}
  for (const { path, values } of c.whereNot) whereNot[path] = [...new Set([...((whereNot[path] as string[] | undefined) ?? []), ...values])]
  return {
    ...(Object.keys(where).length > 0 ? { where } : {}),
    ...(Object.keys(whereNot).length > 0 ? { whereNot } : {}),
    order: 'desc',
    ...(extra.from !== undefined ? { from: extra.from } : {}),
    ...(extra.to !== undefined ? { to: extra.to } : {}),
    ...(p.must.length + p.mustNot.length > 0 ? { text: { must: p.must, mustNot: p.mustNot } } : {}),
    ...(extra.limit !== undefined ? { limit: extra.limit } : {}),
    ...(extra.cursor ? { cursor: extra.cursor } : {}),
    highlight: extra.highlight ?? p.must.length > 0,
  }
}
