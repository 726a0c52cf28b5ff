import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Registry } from 'prom-client'
import { TokenAuth } from '../../../src/http/auth.js'
import { TimeParam } from '../../../src/http/schemas.js'
import { MAX_URL_LENGTH, buildHttpServer, type Api } from '../../../src/http/server.js'
import { parseDateTime, parseTimeParam } from '../../../src/http/time-param.js'
import { RouteMethods } from '../../../src/http/route-methods.js'
import { decodeCursor, encodeCursor, CURSOR_PATTERN } from '../../../src/storage/store.js'
import { captureLogger } from '../../helpers/service.js'

const routes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/things/:id', { schema: { querystring: Type.Object({ from: Type.Optional(TimeParam('oldest')) }) } }, async (req) => ({ from: parseTimeParam('from', req.query.from) ?? null }))
  app.delete('/things/:id', async () => ({ ok: true }))
}

describe('API exactness (what schemathesis checks)', () => {
  let api: Api
  before(async () => {
    api = await buildHttpServer({
      logger: captureLogger().logger,
      registry: new Registry(),
      auth: new TokenAuth({ tokens: [{ name: 'admin', token: 'admin-token-1', role: 'admin' }] }),
      readiness: async () => ({ ready: true, components: {} }),
      routes: [routes],
      version: 'test',
    })
  })
  after(() => api.close())
  const auth = { authorization: 'Bearer admin-token-1' }

  it('a known path with another method answers 405 with Allow, before auth and body parsing', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'OPTIONS', 'QUERY', 'PROPFIND'] as const) {
      const r = await api.inject({ method: method as 'POST', url: '/api/v1/things/1', payload: 'x', headers: { 'content-type': 'application/octet-stream' } })
      assert.equal(r.statusCode, 405, method)
      assert.equal(r.headers['allow'], 'DELETE, GET, HEAD')
      assert.equal(r.json().error, 'Method Not Allowed')
    }
    // QUERY without a content type (what failed with 400 before).
    assert.equal((await api.inject({ method: 'QUERY' as 'GET', url: '/healthz' })).statusCode, 405)
    assert.equal((await api.inject({ method: 'POST', url: '/healthz' })).headers['allow'], 'GET, HEAD')
  })

  it('an unknown path is still a 404 whatever the method', async () => {
    assert.equal((await api.inject({ method: 'QUERY' as 'GET', url: '/api/v1/nothing' })).statusCode, 404)
    assert.equal((await api.inject({ method: 'POST', url: '/api/v1/nothing', payload: {} })).statusCode, 404)
  })

  it('a request target over the limit answers 414; a long path parameter is the schema\'s business', async () => {
    const long = await api.inject({ method: 'GET', url: `/api/v1/things/1?from=${'1'.repeat(MAX_URL_LENGTH)}`, headers: auth })
    assert.equal(long.statusCode, 414)
    assert.equal(long.json().error, 'URI Too Long')
    const param = await api.inject({ method: 'GET', url: `/api/v1/things/${'x'.repeat(200)}`, headers: auth })
    assert.equal(param.statusCode, 200)
  })

  it('from accepts epoch ms and ISO date-times, and says so when it is neither', async () => {
    const get = (from: string) => api.inject({ method: 'GET', url: `/api/v1/things/1?from=${encodeURIComponent(from)}`, headers: auth })
    assert.equal((await get('1767225600000')).json().from, 1767225600000)
    assert.equal((await get('2026-01-01T00:00:00Z')).json().from, Date.parse('2026-01-01T00:00:00Z'))
    assert.equal((await get('2026-01-01T01:00:00+01:00')).json().from, Date.parse('2026-01-01T00:00:00Z'))
    const bad = await get('yesterday')
    assert.equal(bad.statusCode, 400)
    assert.equal(bad.json().message, 'from must be epoch milliseconds or an ISO-8601 time, got "yesterday"')
    assert.equal((await get('2026-02-30T00:00:00Z')).statusCode, 400)
  })

  it('a leap second date-time (valid RFC 3339) is read, not rejected', () => {
    assert.equal(parseDateTime('2016-12-31T23:59:60Z'), Date.parse('2016-12-31T23:59:59.999Z'))
    assert.equal(parseTimeParam('from', 5), 5)
    assert.throws(() => parseTimeParam('to', 'soon'), /to must be an ISO 8601 date-time or epoch milliseconds/)
  })

  it('open routes are documented with security [], API routes with the bearer scheme', async () => {
    const doc = (await api.inject({ method: 'GET', url: '/docs/json' })).json() as { security: unknown; paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>> }
    assert.deepEqual(doc.security, [{ bearer: [] }])
    for (const p of ['/healthz', '/readyz', '/metrics', '/docs/json']) assert.deepEqual(doc.paths[p]?.['get']?.security, [], p)
    assert.equal(doc.paths['/api/v1/things/{id}']?.['get']?.security, undefined)
    assert.ok(doc.paths['/metrics']?.['get']?.responses['200'])
  })

  it('every string matching the cursor pattern decodes, and encode/decode round-trip', () => {
    const re = new RegExp(CURSOR_PATTERN)
    for (const [ts, id] of [[1767225600000, 'k0123456789abcdefghij'], [0, ''], [5, 'prod/é/🙂']] as const) {
      const c = encodeCursor(ts, id)
      assert.match(c, re)
      assert.deepEqual(decodeCursor(c), { timestamp: ts, id })
    }
    for (const c of ['0.', '-1.A', '1234567890123456.abc_-', '12.a']) assert.ok(re.test(c) && decodeCursor(c), c)
    for (const c of ['zzz', 'garbage', '1.a b', '.abc', '12345678901234567.a']) assert.equal(decodeCursor(c), undefined, c)
  })

  it('silences: GET active is optional; POST says endsAt or duration, and names a bad matcher', async () => {
    const { buildApp } = await import('../../../src/app.js')
    const { testConfig } = await import('../../helpers/service.js')
    const app = await buildApp(testConfig(), { logger: captureLogger().logger })
    try {
      await app.start()
      assert.equal((await app.http.inject({ method: 'GET', url: '/api/v1/silences' })).statusCode, 200)
      const post = (payload: object) => app.http.inject({ method: 'POST', url: '/api/v1/silences', payload })
      const neither = await post({ matchers: { job: 'orders' } })
      assert.equal(neither.statusCode, 400)
      assert.equal(neither.json().message, 'body: give endsAt or duration')
      assert.equal((await post({ matchers: { job: 'orders' }, duration: '2h' })).statusCode, 201)
      assert.equal((await post({ matchers: { job: 'orders' }, endsAt: '2099-01-01T00:00:00Z' })).statusCode, 201)
      const past = await post({ matchers: { job: 'orders' }, endsAt: '2000-01-01T00:00:00Z' })
      assert.equal(past.statusCode, 409, 'an empty range is a conflict with the clock')
      assert.match(past.json().message, /^endsAt \(2000-01-01T00:00:00.000Z\) must be after startsAt/)
      assert.equal((await post({ matchers: { job: 'orders' }, endsAt: new Date(Date.now() + 60_000).toISOString() })).statusCode, 201)
      assert.equal((await post({ matchers: { job: 'orders' }, duration: '0s' })).statusCode, 400)
      assert.equal((await post({ matchers: {}, duration: '1h' })).statusCode, 400)
      // A JSON body is not coerced: null is not an empty comment, "1" is not a number.
      assert.equal((await post({ matchers: { job: 'orders' }, duration: '1h', comment: null })).statusCode, 400)
      assert.equal((await app.http.inject({ method: 'GET', url: '/api/v1/alerts?limit=5' })).statusCode, 200, 'query strings are still coerced')
      assert.equal((await post({ matchers: { job: '(' }, duration: '1h' })).json().message, 'matchers.job: not a valid regular expression: (')
      const doc = (await app.http.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, { parameters?: { name: string; required?: boolean }[]; requestBody?: { content: Record<string, { schema: { anyOf?: { required?: string[] }[] } }> } }>> }
      assert.equal(doc.paths['/api/v1/silences']!['get']!.parameters!.find((p) => p.name === 'active')!.required, false)
      const branches = doc.paths['/api/v1/silences']!['post']!.requestBody!.content['application/json']!.schema.anyOf!
      assert.deepEqual(branches.map((b) => b.required?.filter((r) => r !== 'matchers')), [['endsAt'], ['duration']])
    } finally {
      await app.stop()
    }
  })

  it('RouteMethods matches parameters and wildcards per segment', () => {
    const m = new RouteMethods()
    m.add('GET', '/api/v1/jobs/:cluster/:jobId')
    m.add(['POST'], '/api/v1/jobs/:cluster/:jobId/actions')
    m.add(['GET', 'HEAD'], '/assets/*')
    assert.deepEqual(m.allowed('/api/v1/jobs/prod/abc'), ['GET', 'HEAD'])
    assert.deepEqual(m.allowed('/api/v1/jobs/prod/abc/actions'), ['POST'])
    assert.deepEqual(m.allowed('/api/v1/jobs/prod'), [])
    assert.deepEqual(m.allowed('/assets/a/b.js'), ['GET', 'HEAD'])
  })
})
