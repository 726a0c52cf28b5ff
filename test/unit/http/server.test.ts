import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Registry } from 'prom-client'
import { TokenAuth, isLoopback } from '../../../src/http/auth.js'
import { buildHttpServer, type Api } from '../../../src/http/server.js'
import { NotFoundError } from '../../../src/core/errors.js'
import { captureLogger } from '../../helpers/service.js'

const routes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/things', { schema: { querystring: Type.Object({ n: Type.Optional(Type.Integer({ minimum: 1 })) }) } }, async (req) => ({ n: req.query.n ?? 1, who: req.principal?.name }))
  app.post('/things', { config: { role: 'operator' }, schema: { body: Type.Object({ name: Type.String() }) } }, async () => ({ ok: true }))
  app.delete('/things', { config: { role: 'admin' } }, async () => ({ ok: true }))
  app.get('/boom', async () => {
    throw new Error('secret database detail at /var/lib/x')
  })
  app.get('/missing', async () => {
    throw new NotFoundError('no such thing')
  })
}

describe('HTTP server', () => {
  let api: Api
  const { logger, lines } = captureLogger()
  before(async () => {
    api = await buildHttpServer({
      logger,
      registry: new Registry(),
      auth: new TokenAuth({ tokens: [
        { name: 'viewer', token: 'viewer-token-1', role: 'viewer' },
        { name: 'ops', token: 'operator-token-1', role: 'operator' },
      ] }),
      readiness: async () => ({ ready: true, components: {} }),
      routes: [routes],
      version: 'test',
    })
  })
  after(() => api.close())

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, token?: string, payload?: object) =>
    api.inject({ method, url, ...(payload ? { payload } : {}), headers: token ? { authorization: `Bearer ${token}` } : {} })

  it('requires a bearer token on /api/* when tokens are configured', async () => {
    const r = await call('GET', '/api/v1/things')
    assert.equal(r.statusCode, 401)
    assert.deepEqual(r.json(), { statusCode: 401, error: 'Unauthorized', message: 'missing bearer token' })
    assert.equal((await call('GET', '/api/v1/things', 'wrong-token-xx')).statusCode, 401)
    const ok = await call('GET', '/api/v1/things', 'viewer-token-1')
    assert.equal(ok.statusCode, 200)
    assert.equal(ok.json().who, 'viewer')
  })

  it('answers 403 for a role too low, per route', async () => {
    assert.equal((await call('POST', '/api/v1/things', 'viewer-token-1', { name: 'x' })).statusCode, 403)
    assert.equal((await call('POST', '/api/v1/things', 'operator-token-1', { name: 'x' })).statusCode, 200)
    const r = await call('DELETE', '/api/v1/things', 'operator-token-1')
    assert.equal(r.statusCode, 403)
    assert.match(r.json().message, /admin required/)
  })

  it('leaves health, readiness and metrics open', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics']) assert.equal((await api.inject({ url })).statusCode, 200, url)
  })

  it('validates requests against the route schema with a JSON error', async () => {
    const r = await call('GET', '/api/v1/things?n=0', 'viewer-token-1')
    assert.equal(r.statusCode, 400)
    assert.equal(r.json().error, 'Bad Request')
    assert.match(r.json().message, /querystring\/n must be >= 1/)
    assert.equal((await call('POST', '/api/v1/things', 'operator-token-1', { nope: 1 })).statusCode, 400)
  })

  it('hides 5xx details and stacks but logs them', async () => {
    const r = await call('GET', '/api/v1/boom', 'viewer-token-1')
    assert.equal(r.statusCode, 500)
    assert.deepEqual(r.json(), { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' })
    assert.doesNotMatch(r.body, /secret|\bat\b/)
    assert.ok(lines.some((l) => l.includes('secret database detail')), 'the cause is logged')
  })

  it('never logs a token passed in the query string', async () => {
    const r = await api.inject({ url: '/api/v1/boom?access_token=viewer-token-1' })
    assert.equal(r.statusCode, 500)
    assert.ok(lines.some((l) => l.includes('/api/v1/boom')), 'the failed request is logged')
    assert.ok(!lines.some((l) => l.includes('viewer-token-1')), 'but not its token')
  })

  it('maps domain errors and unknown routes to JSON 404s', async () => {
    assert.deepEqual((await call('GET', '/api/v1/missing', 'viewer-token-1')).json(), { statusCode: 404, error: 'Not Found', message: 'no such thing' })
    assert.equal((await api.inject({ url: '/nope' })).json().statusCode, 404)
  })

  it('publishes OpenAPI generated from the route schemas', async () => {
    const doc = (await api.inject({ url: '/docs/json' })).json()
    assert.equal(doc.openapi, '3.0.3')
    assert.ok(doc.paths['/api/v1/things'].get.parameters.some((p: { name: string }) => p.name === 'n'))
    assert.ok(doc.paths['/readyz'])
    assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' })
  })
})

describe('auth without tokens', () => {
  it('lets everything through as anonymous (the server refuses non-loopback binds in this mode)', () => {
    const a = new TokenAuth({ tokens: [] })
    assert.equal(a.enabled, false)
    assert.deepEqual(a.check(undefined, 'admin'), { ok: true, principal: { name: 'anonymous', role: 'admin' } })
  })
  it('knows which addresses are loopback', () => {
    assert.deepEqual(['127.0.0.1', '127.1.2.3', '::1', 'localhost', '0.0.0.0', '10.0.0.1', '::'].map(isLoopback), [true, true, true, true, false, false, false])
  })
})
