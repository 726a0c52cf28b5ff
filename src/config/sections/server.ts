import { Type, type StaticDecode } from '@sinclair/typebox'
import { Duration, Port, Strict, HttpUrl } from '../types.js'

export const ServerConfig = Strict(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1 }),
    port: Port({ default: 8080 }),
    /** The URL users reach flinkwatch at, for links in alert messages. */
    publicUrl: Type.Optional(HttpUrl()),
    shutdownTimeout: Duration({ default: '10s' }),
  },
  { default: {} },
)
export type ServerConfig = StaticDecode<typeof ServerConfig>

export const Role = Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')], {
  errorMessage: 'must be one of viewer, operator, admin',
})
export type Role = StaticDecode<typeof Role>

export const AuthConfig = Strict(
  {
    tokens: Type.Array(
      Strict({
        name: Type.String({ minLength: 1 }),
        token: Type.String({ minLength: 8, errorMessage: 'must be at least 8 characters' }),
        role: Role,
      }),
      { default: [] },
    ),
  },
  { default: {} },
)
export type AuthConfig = StaticDecode<typeof AuthConfig>
