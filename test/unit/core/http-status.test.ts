import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { NETWORK_TABLE, STATUS_TABLE, classifyNetworkError, classifyStatus, type Classification } from '../../../src/core/http/status.js'
import { statusError } from '../../../src/core/http/json.js'
import { UpstreamError } from '../../../src/core/errors.js'
import { retriableStatus } from '../../../src/storage/es-errors.js'
import { classifyHttp, networkFailure } from '../../../alerting/notify/result.js'
import { FlinkRestClient } from '../../../platforms/flink/flink-rest-client.js'
import { Overview } from '../../../platforms/flink/flink-schemas.js'
import { FakeClock } from '../../helpers/fake-clock.js'

/** Every status class the table knows, with what it must mean. */
const STATUSES: [number, Classification | null][] = [
  [200, null],
  [204, null],
  [299, null],
  [301, { retriable: false, reason: 'client' }],
  [302, { retriable: false, reason: 'client' }],
  [400, { retriable: false, reason: 'client' }],
  [401, { retriable: false, reason: 'auth' }],
  [403, { retriable: false, reason: 'auth' }],
  [404, { retriable: false, reason: 'not_found' }],
  [408, { retriable: true, reason: 'timeout' }],
  [409, { retriable: false, reason: 'conflict' }],
  [410, { retriable: false, reason: 'not_found' }],
  [418, { retriable: false, reason: 'client' }],
  [422, { retriable: false, reason: 'client' }],
  [429, { retriable: true, reason: 'throttled' }],
  [500, { retriable: true, reason: 'server' }],
  [502, { retriable: true, reason: 'server' }],
  [503, { retriable: true, reason: 'unavailable' }],
  [504, { retriable: true, reason: 'server' }],
  [599, { retriable: true, reason: 'server' }],
]

const NETWORK: [string, Classification][] = [
  ['ETIMEDOUT', { retriable: true, reason: 'timeout' }],
  ['ERR_UPSTREAM_TIMEOUT', { retriable: true, reason: 'timeout' }],
  ['UND_ERR_CONNECT_TIMEOUT', { retriable: true, reason: 'timeout' }],
  ['UND_ERR_HEADERS_TIMEOUT', { retriable: true, reason: 'timeout' }],
  ['UND_ERR_BODY_TIMEOUT', { retriable: true, reason: 'timeout' }],
  ['ECONNREFUSED', { retriable: true, reason: 'network' }],
  ['ECONNRESET', { retriable: true, reason: 'network' }],
  ['ECONNABORTED', { retriable: true, reason: 'network' }],
  ['EPIPE', { retriable: true, reason: 'network' }],
  ['EHOSTUNREACH', { retriable: true, reason: 'network' }],
  ['ENETUNREACH', { retriable: true, reason: 'network' }],
  ['EHOSTDOWN', { retriable: true, reason: 'network' }],
  ['EAI_AGAIN', { retriable: true, reason: 'network' }],
  ['UND_ERR_SOCKET', { retriable: true, reason: 'network' }],
  ['UND_ERR_CLOSED', { retriable: true, reason: 'network' }],
  ['ENOTFOUND', { retriable: false, reason: 'bad_url' }],
  ['ERR_INVALID_URL', { retriable: false, reason: 'bad_url' }],
  ['UND_ERR_INVALID_ARG', { retriable: false, reason: 'bad_url' }],
  ['CERT_HAS_EXPIRED', { retriable: false, reason: 'tls' }],
  ['CERT_NOT_YET_VALID', { retriable: false, reason: 'tls' }],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', { retriable: false, reason: 'tls' }],
  ['SELF_SIGNED_CERT_IN_CHAIN', { retriable: false, reason: 'tls' }],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', { retriable: false, reason: 'tls' }],
  ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', { retriable: false, reason: 'tls' }],
  ['ERR_TLS_CERT_ALTNAME_INVALID', { retriable: false, reason: 'tls' }],
  ['UND_ERR_ABORTED', { retriable: false, reason: 'aborted' }],
  ['ABORT_ERR', { retriable: false, reason: 'aborted' }],
]

const sysError = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code })

describe('the HTTP status table', () => {
  it('classifies every status class', () => {
    for (const [status, want] of STATUSES) assert.deepEqual(classifyStatus(status), want, `HTTP ${status}`)
    // Every status with a meaning of its own is in the list above.
    for (const status of Object.keys(STATUS_TABLE).map(Number)) assert.ok(STATUSES.some(([s]) => s === status), `HTTP ${status} is tested`)
  })

  it('classifies every network error class, bare or under fetch’s cause', () => {
    assert.deepEqual(Object.keys(NETWORK_TABLE).sort(), NETWORK.map(([c]) => c).sort(), 'every code of the table is tested')
    for (const [code, want] of NETWORK) {
      assert.deepEqual(classifyNetworkError(sysError(code)), want, code)
      assert.deepEqual(classifyNetworkError(new TypeError('fetch failed', { cause: sysError(code) })), want, `${code} under cause`)
    }
    assert.deepEqual(classifyNetworkError(Object.assign(new Error('x'), { name: 'AbortError' })), { retriable: false, reason: 'aborted' })
    assert.deepEqual(classifyNetworkError(new Error('something else')), { retriable: true, reason: 'network' }, 'unknown failures are worth another try')
  })

  it('is what every caller decides: upstream JSON peers, Elasticsearch, chat channels and the Flink REST client', async () => {
    const clock = new FakeClock()
    for (const [status, want] of STATUSES) {
      if (want === null) continue
      assert.equal(statusError('peer', 'http://peer/x', { status, text: '' }).retriable, want.retriable, `statusError ${status}`)
      assert.equal(retriableStatus(status), want.retriable, `Elasticsearch ${status}`)
      const sent = classifyHttp({ status, text: '', headers: { get: () => null } }, clock.now())
      assert.equal(sent?.status, want.retriable ? 'retryable' : 'failure', `channel ${status}`)
      const client = new FlinkRestClient({ baseUrl: 'http://jm:8081', requestTimeoutMs: 1000, concurrency: 1, clock, leaderElectionRetries: 0, fetch: async () => new Response('{"errors":["x"]}', { status }) })
      await assert.rejects(client.get('/overview', Overview, new AbortController().signal), (err: unknown) => err instanceof UpstreamError && err.status === status && err.retriable === want.retriable, `Flink ${status}`)
    }
    for (const [code, want] of NETWORK) {
      const r = networkFailure(sysError(code), false)
      // An abort is the one exception: a send cut by a shutdown is tried again, never marked failed.
      assert.equal(r.status, want.retriable || want.reason === 'aborted' ? 'retryable' : 'failure', `channel ${code}`)
      const client = new FlinkRestClient({ baseUrl: 'http://jm:8081', requestTimeoutMs: 1000, concurrency: 1, clock, fetch: async () => Promise.reject(new TypeError('fetch failed', { cause: sysError(code) })) })
      await assert.rejects(client.get('/overview', Overview, new AbortController().signal), (err: unknown) => err instanceof UpstreamError && err.retriable === want.retriable, `Flink ${code}`)
    }
  })
})
