import { Type } from '@sinclair/typebox'

/** Shared response shapes; every route declares its responses so OpenAPI is complete. */
export const ErrorBody = Type.Object(
  { statusCode: Type.Integer(), error: Type.String(), message: Type.String() },
  { $id: 'Error', description: 'Every error response' },
)

export const errorResponses = {
  400: Type.Ref('Error'),
  401: Type.Ref('Error'),
  403: Type.Ref('Error'),
  404: Type.Ref('Error'),
  500: Type.Ref('Error'),
  503: Type.Ref('Error'),
} as const
