import { BadRequestError } from '../core/errors.js'

/**
 * RFC 3339 date-time as the schema's `format: date-time` accepts it, leap second included (Date.parse
 * answers NaN for :60; it is read as :59.999, the last instant JavaScript can name in that minute).
 */
export function parseDateTime(v: string): number {
  const t = Date.parse(v)
  if (Number.isFinite(t)) return t
  const leap = v.replace(/(T\d{2}:\d{2}:)60(?:\.\d+)?/i, '$159.999')
  return Date.parse(leap)
}

/** A `from`/`to` query value (TimeParam in schemas.ts): epoch ms, or an ISO 8601 date-time. */
export function parseTimeParam(name: string, v: number | string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined
  const t = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : parseDateTime(v)
  if (!Number.isFinite(t)) throw new BadRequestError(`${name} must be an ISO 8601 date-time or epoch milliseconds`)
  return t
}
