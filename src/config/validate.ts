import { Kind, type TSchema } from '@sinclair/typebox'
import './types.js' // registers the formats the schema uses
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value'

/** Converts a JSON pointer (/clusters/0/url) to the path users read (clusters[0].url). */
export function pointerToPath(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
  let out = ''
  for (const p of parts) out += /^[0-9]+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`
  return out || '(root)'
}

function describe(e: ValueError): string {
  if (e.type === ValueErrorType.ObjectRequiredProperty) return 'is required'
  const custom = (e.schema as { errorMessage?: unknown }).errorMessage
  if (typeof custom === 'string') return custom
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties:
      return 'unknown key'
    case ValueErrorType.String:
      return 'must be a string'
    case ValueErrorType.Number:
      return 'must be a number'
    case ValueErrorType.Integer:
      return 'must be an integer'
    case ValueErrorType.Boolean:
      return 'must be true or false'
    case ValueErrorType.Array:
      return 'must be a list'
    case ValueErrorType.Object:
      return 'must be a mapping'
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify((e.schema as { const?: unknown }).const)}`
    case ValueErrorType.Union:
      return 'has the wrong type'
    default:
      return e.message.replace(/^Expected/, 'must be').replace(/^(.)/, (c) => c.toLowerCase())
  }
}

interface UnionSchema {
  anyOf: TSchema[]
  discriminator?: string
}

/**
 * Validates and returns "path: problem" lines. Discriminated unions (storage,
 * clusters, channels) report the errors of the member the `type` selects
 * instead of TypeBox's unhelpful "expected union value".
 */
export function validate(schema: TSchema, value: unknown, basePointer = ''): string[] {
  const problems: string[] = []
  const seen = new Set<string>()
  for (const e of Value.Errors(schema, value)) {
    const pointer = basePointer + e.path
    const union = e.schema as Partial<UnionSchema>
    if (e.schema[Kind] === 'Union' && union.discriminator && union.anyOf) {
      const key = union.discriminator
      const v = e.value as Record<string, unknown> | null
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        push(pointer, 'must be a mapping')
        continue
      }
      const options = union.anyOf.map((m) => (m as { properties?: Record<string, { const?: unknown }> }).properties?.[key]?.const)
      const member = union.anyOf.find((_, i) => options[i] === v[key])
      if (!member) {
        push(`${pointer}/${key}`, v[key] === undefined ? `is required (one of ${options.join(', ')})` : `must be one of ${options.join(', ')}`)
        continue
      }
      for (const p of validate(member, v, pointer)) if (!seen.has(p)) (seen.add(p), problems.push(p))
      continue
    }
    // A missing key is reported once, as required, not again as a wrong type.
    if (e.value === undefined && e.type !== ValueErrorType.ObjectRequiredProperty) continue
    // TypeBox also reports each failed member of a non-discriminated union; the union line says enough.
    push(pointer, describe(e))
  }
  return problems

  function push(pointer: string, text: string): void {
    const line = `${pointerToPath(pointer)}: ${text}`
    if (!seen.has(line)) (seen.add(line), problems.push(line))
  }
}
