import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { TokenAuth } from '../../../src/http/auth.js'
import { CONSOLE_CSP, NOT_BUILT } from '../../../src/http/console.js'
import { buildHttpServer, type Api } from '../../../src/http/server.js'
import { captureLogger } from '../../helpers/service.js'

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="app"></div></body></html>'

async function server(consoleDir: string): Promise<Api> {
  return buildHttpServer({
    logger: captureLogger().logger,
    registry: new Registry(),
    auth: new TokenAuth({ tokens: [{ name: 'ops', token: 'operator-token-1', role: 'operator' }] }),
    readiness: async () => ({ ready: true, components: {} }),
    routes: [async (app) => void app.get('/jobs', async () => ({ jobs: [] }))],
    version: 'test',
    consoleDir,
  })
}

describe('console serving', () => {
  let dir: string
  let api: Api
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-ui-'))
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'index.html'), INDEX)
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("console")\n')
    writeFileSync(join(dir, 'assets', 'index-abc123.js.br'), brotliCompressSync('console.log("console")\n'))
    api = await server(dir)
  })
  after(async () => {
    await api.close()
    rmSync(dir, { recursive: true, force: true })
  })

  for (const url of ['/', '/jobs/prod/0123456789abcdef0123456789abcdef?tab=timeline', '/logs?q=poison&tail=1', '/alerts?state=all']) {
    it(`GET ${url} answers index.html with the CSP and no token`, async () => {
      const r = await api.inject({ method: 'GET', url })
      assert.equal(r.statusCode, 200)
      assert.match(String(r.headers['content-type']), /^text\/html/)
      assert.equal(r.body, INDEX)
      assert.equal(r.headers['content-security-policy'], CONSOLE_CSP)
      assert.equal(r.headers['x-content-type-options'], 'nosniff')
      assert.equal(r.headers['referrer-policy'], 'no-referrer')
      assert.equal(r.headers['cache-control'], 'no-cache')
    })
  }

  it('the CSP allows no inline script or style and nothing from elsewhere', () => {
    assert.doesNotMatch(CONSOLE_CSP, /unsafe-inline|unsafe-eval|\*/)
    assert.match(CONSOLE_CSP, /script-src 'self'/)
    assert.match(CONSOLE_CSP, /frame-ancestors 'none'/)
    assert.match(CONSOLE_CSP, /object-src 'none'/)
  })

  it('serves hashed assets with a long immutable cache', async () => {
    const r = await api.inject({ method: 'GET', url: '/assets/index-abc123.js' })
    assert.equal(r.statusCode, 200)
    assert.match(String(r.headers['content-type']), /javascript/)
    assert.match(String(r.headers['cache-control']), /max-age=31536000.*immutable/)
    assert.equal(r.headers['x-content-type-options'], 'nosniff')
    assert.equal(r.body, 'console.log("console")\n')
  })

  it('serves the precompressed copy to a browser that accepts it, the plain file to one that does not', async () => {
    const br = await api.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip, deflate, br' } })
    assert.equal(br.statusCode, 200)
    assert.equal(br.headers['content-encoding'], 'br')
    assert.match(String(br.headers['content-type']), /javascript/)
    assert.equal(brotliDecompressSync(br.rawPayload).toString(), 'console.log("console")\n')
    const gzipOnly = await api.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip' } })
    assert.equal(gzipOnly.headers['content-encoding'], undefined, 'no .gz copy here: the plain file')
    assert.equal(gzipOnly.body, 'console.log("console")\n')
  })

  it('an unknown asset or path outside the assets dir is a 404, not index.html', async () => {
    assert.equal((await api.inject({ method: 'GET', url: '/assets/nope.js' })).statusCode, 404)
    const escape = await api.inject({ method: 'GET', url: '/assets/..%2Findex.html' })
    assert.ok(escape.statusCode === 403 || escape.statusCode === 404, String(escape.statusCode))
    assert.notEqual(escape.body, INDEX)
    const other = await api.inject({ method: 'GET', url: '/nowhere' })
    assert.equal(other.statusCode, 404)
    assert.equal(other.json().message, 'no route GET /nowhere')
  })

  it('the shell is open but the API behind it still needs a token', async () => {
    assert.equal((await api.inject({ method: 'GET', url: '/' })).statusCode, 200)
    assert.equal((await api.inject({ method: 'GET', url: '/api/v1/jobs' })).statusCode, 401)
    assert.equal((await api.inject({ method: 'GET', url: '/api/v1/jobs', headers: { authorization: 'Bearer operator-token-1' } })).statusCode, 200)
  })

  it('picks up a rebuilt index.html without a restart', async () => {
    const rebuilt = INDEX.replace('abc123', 'def456')
    writeFileSync(join(dir, 'index.html'), rebuilt)
    const later = new Date(Date.now() + 5000)
    const { utimesSync } = await import('node:fs')
    utimesSync(join(dir, 'index.html'), later, later)
    assert.equal((await api.inject({ method: 'GET', url: '/' })).body, rebuilt)
  })

  it('the console routes are not part of the API document', async () => {
    const doc = (await api.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> }
    assert.ok(!('/' in doc.paths) && !('/logs' in doc.paths) && !('/assets/*' in doc.paths))
  })
})

describe('console not built', () => {
  it('/ answers a short text/plain 503 saying how to build it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-ui-empty-'))
    const api = await server(dir)
    try {
      const r = await api.inject({ method: 'GET', url: '/' })
      assert.equal(r.statusCode, 503)
      assert.match(String(r.headers['content-type']), /^text\/plain/)
      assert.equal(r.body, NOT_BUILT)
      assert.equal((await api.inject({ method: 'GET', url: '/logs' })).statusCode, 503)
      // The API is unaffected.
      assert.equal((await api.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
    } finally {
      await api.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
