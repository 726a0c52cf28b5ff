import { Type, type TNull, type TSchema, type TUnion } from '@sinclair/typebox'

const SCALARS = new Set(['string', 'number', 'integer', 'boolean'])

/**
 * `T | null`. A scalar is written OpenAPI 3.0's way, `{ type, nullable: true }`: fast-json-stringify writes it
 * directly, while for `anyOf: [T, null]` it tests every value against the branches (the 10,000-job list took
 * 100 ms to serialise instead of 27). Ajv reads `nullable` too. Objects and references keep the union.
 */
export function Nullable<T extends TSchema>(t: T): TUnion<[T, TNull]> {
  if (typeof t['type'] === 'string' && SCALARS.has(t['type'])) return { ...t, nullable: true } as unknown as TUnion<[T, TNull]>
  return Type.Union([t, Type.Null()])
}

/** Shared response shapes; every route declares its responses so OpenAPI is complete. */
export const ErrorBody = Type.Object(
  { statusCode: Type.Integer(), error: Type.String(), message: Type.String() },
  { $id: 'Error', description: 'Every error response' },
)

const err = (description: string) => Type.Ref('Error', { description })

export const errorResponses = {
  400: err('Bad input: a parameter or the body does not match the schema, or a value is out of range'),
  401: err('Missing or invalid bearer token (only when auth.tokens is configured)'),
  403: err('The token\'s role may not do this; the message names the role needed'),
  404: err('Unknown cluster, job or object'),
  405: err('The path exists but not with this method; the Allow header lists the methods it answers'),
  414: err('Request target longer than 8192 characters, or a path parameter longer than 100'),
  431: err("Request line and headers together longer than Node's 16 KiB limit, refused before routing"),
  500: err('Internal error (details are logged, never returned)'),
  503: err('The store or an upstream the request needs is unavailable'),
} as const

/** Epoch milliseconds or an ISO 8601 date-time: what every `from`/`to` query parameter accepts. */
export const TimeParam = (description: string) =>
  Type.Union([Type.Integer({ minimum: 0, maximum: 8.64e15 }), Type.String({ format: 'date-time' })], { title: TIME_PARAM_TITLE, description: `${description}; ISO 8601 date-time or epoch milliseconds` })

/** Marks TimeParam so a validation error can say what the value must be in one sentence (server.ts). */
export const TIME_PARAM_TITLE = 'EpochMillisOrDateTime'

/**
 * Marks a route whose JSON body may be left out (schema key): @fastify/swagger always writes
 * `requestBody.required: true` when a body schema is given, since Fastify needs one; such a route supplies `{}`
 * in a preValidation hook, so its document must say the body is optional (`optionalBodies` below).
 */
export const OPTIONAL_BODY = 'x-optional-body'

type OpenApiDoc = { paths?: Record<string, object | undefined> | undefined }

/** swagger `transformObject`: `requestBody.required: false` on operations marked OPTIONAL_BODY, marker removed. */
export function optionalBodies<T extends OpenApiDoc>(doc: T): T {
  for (const item of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(item ?? {}) as unknown[]) {
      if (typeof op !== 'object' || op === null || !(OPTIONAL_BODY in op)) continue
      const o = op as Record<string, unknown> & { requestBody?: { required?: boolean } }
      delete o[OPTIONAL_BODY]
      if (o.requestBody) o.requestBody.required = false
    }
  }
  return doc
}
