import { Type, type TSchema, type SchemaOptions } from '@sinclair/typebox'
import { DURATION_PATTERN } from '../core/duration.js'

/** Schema building blocks with the error messages users see in check-config. */
export const Duration = (opts: SchemaOptions = {}) =>
  Type.String({ pattern: DURATION_PATTERN, errorMessage: 'must be a duration like 500ms, 5s, 10m, 1h or 7d', ...opts })

export const HttpUrl = (opts: SchemaOptions = {}) =>
  Type.String({ pattern: '^https?://[^\\s/$.?#][^\\s]*$', errorMessage: 'must be an http(s) URL', ...opts })

export const Id = (opts: SchemaOptions = {}) =>
  Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$', errorMessage: 'must be 1-63 letters, digits, "_", "." or "-"', ...opts })

export const Regex = (opts: SchemaOptions = {}) => Type.String({ format: 'regex', errorMessage: 'must be a valid regular expression', ...opts })

export const Port = (opts: SchemaOptions = {}) =>
  Type.Integer({ minimum: 0, maximum: 65535, errorMessage: 'must be a port number 0-65535', ...opts })


/** A strict object: unknown keys are errors. */
export const Strict = <T extends Record<string, TSchema>>(props: T, opts: SchemaOptions = {}) =>
  Type.Object(props, { additionalProperties: false, ...opts })
