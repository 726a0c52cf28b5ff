import { Kind, type TSchema } from '@sinclair/typebox'

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v)

/**
 * Fills schema defaults. Unlike TypeBox's Value.Default it picks the member of a
 * discriminated union by its `type`, so `storage: { type: elasticsearch }`
 * gets the Elasticsearch defaults, not none.
 */
export function applyDefaults(schema: TSchema, value: unknown): unknown {
  const s = schema as TSchema & { anyOf?: TSchema[]; discriminator?: string; properties?: Record<string, TSchema>; items?: TSchema; default?: unknown }
  if (value === undefined && s.default !== undefined) value = structuredClone(s.default)
  if (s[Kind] === 'Union' && s.discriminator && s.anyOf && isObject(value)) {
    const key = s.discriminator
    const member = s.anyOf.find((m) => (m as { properties?: Record<string, { const?: unknown }> }).properties?.[key]?.const === value[key])
    return member ? applyDefaults(member, value) : value
  }
  if (s.properties && isObject(value)) {
    for (const [k, prop] of Object.entries(s.properties)) {
      const v = applyDefaults(prop, value[k])
      if (v !== undefined) value[k] = v
    }
    return value
  }
  if (s.items && Array.isArray(value)) return value.map((v) => applyDefaults(s.items as TSchema, v))
  return value
}
