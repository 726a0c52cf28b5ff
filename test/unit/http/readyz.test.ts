import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildApp, type App } from '../../../src/app.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import type { Store, StoreHealth } from '../../../src/storage/store.js'
import { captureLogger, testConfig } from '../../helpers/service.js'

/** A real embedded store whose health the test switches, as if its server went away and came back. */
function flakyStore(): { store: Store; down(detail: string): void; up(): void; throwing(message: string): void } {
  const inner = SqliteStore.memory()
  let state: { kind: 'up' } | { kind: 'down'; detail: string } | { kind: 'throw'; message: string } = { kind: 'up' }
  const store: Store = Object.assign(Object.create(inner) as Store, {
    kind: inner.kind,
    async health(): Promise<StoreHealth> {
      if (state.kind === 'down') return { ok: false, detail: state.detail }
      if (state.kind === 'throw') throw new Error(state.message)
      return inner.health()
    },
  })
  return {
    store,
    down: (detail) => void (state = { kind: 'down', detail }),
    up: () => void (state = { kind: 'up' }),
    throwing: (message) => void (state = { kind: 'throw', message }),
  }
}

describe('/readyz follows the store', () => {
  const flaky = flakyStore()
  let app: App
  before(async () => {
    app = await buildApp(testConfig(), { store: flaky.store, logger: captureLogger().logger })
    await app.start()
  })
  after(() => app.stop())

  const readyz = async () => {
    const res = await app.http.inject({ method: 'GET', url: '/readyz' })
    return { status: res.statusCode, body: res.json() as { ready: boolean; components: Record<string, { ready: boolean; detail: string }> } }
  }

  it('is 200 while the store is healthy', async () => {
    const r = await readyz()
    assert.equal(r.status, 200)
    assert.equal(r.body.ready, true)
    assert.equal(r.body.components['store']?.ready, true)
  })

  it('is 503 with the store detail when the store goes away, and 200 again when it recovers', async () => {
    flaky.down('elasticsearch http://127.0.0.1:9200/: unreachable (connect ECONNREFUSED)')
    let r = await readyz()
    assert.equal(r.status, 503)
    assert.equal(r.body.ready, false)
    assert.deepEqual(r.body.components['store'], { ready: false, detail: 'elasticsearch http://127.0.0.1:9200/: unreachable (connect ECONNREFUSED)' })
    flaky.up()
    r = await readyz()
    assert.equal(r.status, 200)
    assert.equal(r.body.components['store']?.ready, true)
  })

  it('is 503 with the error message when the health check itself throws', async () => {
    flaky.throwing('socket hang up')
    const r = await readyz()
    assert.equal(r.status, 503)
    assert.deepEqual(r.body.components['store'], { ready: false, detail: 'socket hang up' })
    flaky.up()
    assert.equal((await readyz()).status, 200)
  })
})
