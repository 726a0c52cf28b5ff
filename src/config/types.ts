import { FormatRegistry, Type, type TSchema, type SchemaOptions } from '@sinclair/typebox'
import { DURATION_PATTERN, parseDuration } from '../core/duration.js'

/** Schema building blocks with the error messages users see in check-config. */

/**
 * A duration: written "500ms" | "5s" | "10m" | "1h" | "7d" (the JSON schema says so), decoded once at load
 * into milliseconds, so code reads `config.x` as a number and never parses it again.
 */
export const Duration = (opts: SchemaOptions = {}) =>
  Type.Transform(Type.String({ pattern: DURATION_PATTERN, errorMessage: 'must be a duration like 500ms, 5s, 10m, 1h or 7d', ...opts }))
    .Decode((text) => parseDuration(text))
    .Encode((ms) => `${ms}ms`)

export const HttpUrl = (opts: SchemaOptions = {}) =>
  Type.String({ pattern: '^https?://[^\\s/$.?#][^\\s]*$', errorMessage: 'must be an http(s) URL', ...opts })

export const Id = (opts: SchemaOptions = {}) =>
  Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$', errorMessage: 'must be 1-63 letters, digits, "_", "." or "-"', ...opts })

// Registered with the schema that uses it: decoding a section (Value.Decode) checks formats too.
FormatRegistry.Set('regex', (v) => {
  try {
    new RegExp(v)
    return true
  } catch {
    return false
  }
})

export const Regex = (opts: SchemaOptions = {}) => Type.String({ format: 'regex', errorMessage: 'must be a valid regular expression', ...opts })

export const Port = (opts: SchemaOptions = {}) =>
  Type.Integer({ minimum: 0, maximum: 65535, errorMessage: 'must be a port number 0-65535', ...opts })


/** A strict object: unknown keys are errors. */
export const Strict = <T extends Record<string, TSchema>>(props: T, opts: SchemaOptions = {}) =>
  Type.Object(props, { additionalProperties: false, ...opts })
