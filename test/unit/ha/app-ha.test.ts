/** Two flinkwatch apps on one store with ha.enabled, on the fake clock: instances API, readiness, metrics, handover. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildApp, type App } from '../../../src/app.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import type { Store } from '../../../src/storage/store.js'
import { rendezvousOwner } from '../../../src/ha/rendezvous.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { captureLogger, testConfig } from '../../helpers/service.js'

const CLUSTERS = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8']

interface Instances {
  instances: { id: string; address: string; alive: boolean; lastHeartbeat: number; clusters: string[]; channels: string[] }[]
}

describe('HA in the app', () => {
  const inner = SqliteStore.memory()
  // Both apps share the one store; each app closes "its" store on stop, the test closes the real one.
  const store: Store = Object.assign(Object.create(inner) as Store, { kind: 'elasticsearch', close: async () => {} })
  const clock = new FakeClock()
  const config = (id: string) =>
    testConfig({
      storage: { type: 'elasticsearch', node: 'http://127.0.0.1:9' },
      ha: { enabled: true, instanceId: id, heartbeat: '3s', leaseTtl: '15s' },
      clusters: CLUSTERS.map((c) => ({ id: c, type: 'flink', url: 'http://127.0.0.1:9', pollInterval: '1h' })),
      alerting: { rulesFile: new URL('../../../config/rules.yaml', import.meta.url).pathname, channels: [{ id: 'oncall', type: 'lark', url: 'http://127.0.0.1:1/hook' }] },
    })
  let a: App
  let b: App
  before(async () => {
    a = await buildApp(config('a'), { store, clock, logger: captureLogger().logger })
    b = await buildApp(config('b'), { store, clock, logger: captureLogger().logger })
  })
  after(async () => {
    await a.stop()
    await b.stop()
    await inner.close()
  })

  const get = async <T>(app: App, url: string): Promise<{ status: number; body: T }> => {
    const r = await app.http.inject({ method: 'GET', url })
    return { status: r.statusCode, body: r.json() as T }
  }
  const ha = async (app: App) => (await get<{ components: Record<string, { ready: boolean; detail: string }> }>(app, '/readyz')).body.components['ha']!
  const metric = async (app: App, name: string): Promise<string[]> =>
    (await app.http.inject({ method: 'GET', url: '/metrics' })).body.split('\n').filter((l) => l.startsWith(name))

  it('refuses ha.enabled on the embedded store at config load', () => {
    assert.throws(() => testConfig({ ha: { enabled: true } }), /ha.enabled: needs storage.type elasticsearch/)
    assert.throws(() => testConfig({ storage: { type: 'elasticsearch', node: 'http://x:9200' }, ha: { enabled: true, heartbeat: '10s', leaseTtl: '15s' } }), /ha.leaseTtl: must be at least twice ha.heartbeat/)
  })

  it('a lone instance holds every cluster and channel, and says so', async () => {
    await a.start()
    const r = await get<Instances>(a, '/api/v1/instances')
    assert.equal(r.status, 200)
    assert.deepEqual(r.body.instances.map((i) => [i.id, i.alive, i.clusters, i.channels]), [['a', true, CLUSTERS, ['oncall']]])
    assert.equal((await ha(a)).ready, true)
    assert.deepEqual(await metric(a, 'flinkwatch_instance_owned_clusters'), [`flinkwatch_instance_owned_clusters ${CLUSTERS.length}`])
  })

  it('a joining instance is not ready until it holds its share, then the clusters are split without overlap', async () => {
    await b.start()
    const bShare = CLUSTERS.filter((c) => rendezvousOwner(c, ['a', 'b']) === 'b')
    assert.ok(bShare.length > 0 && bShare.length < CLUSTERS.length)
    const waiting = await ha(b)
    assert.equal(waiting.ready, false)
    assert.match(waiting.detail, /waiting for the lease of cluster/)
    assert.equal((await get(b, '/readyz')).status, 503)
    // a sees b at its next heartbeat and releases b's share; b takes it within a fraction of a heartbeat.
    await clock.advance(4000)
    assert.equal((await ha(b)).ready, true, (await ha(b)).detail)
    const list = (await get<Instances>(b, '/api/v1/instances')).body.instances
    const byId = new Map(list.map((i) => [i.id, i]))
    assert.deepEqual(byId.get('b')?.clusters, bShare)
    assert.deepEqual(byId.get('a')?.clusters, CLUSTERS.filter((c) => !bShare.includes(c)))
    assert.equal([...byId.values()].flatMap((i) => i.channels).length, 1, 'the channel has one holder')
    assert.deepEqual(await metric(b, 'flinkwatch_ownership_changes_total'), [`flinkwatch_ownership_changes_total{reason="handover"} ${bShare.length}`])
    assert.deepEqual(await metric(a, 'flinkwatch_ownership_changes_total{reason="rebalance"}'), [`flinkwatch_ownership_changes_total{reason="rebalance"} ${bShare.length}`])
  })

  it('a stopping instance hands everything over at once', async () => {
    await a.stop()
    await clock.advance(3000)
    const list = (await get<Instances>(b, '/api/v1/instances')).body.instances
    assert.deepEqual(list.map((i) => [i.id, i.clusters.length, i.channels]), [['b', CLUSTERS.length, ['oncall']]])
    assert.deepEqual(await metric(b, 'flinkwatch_instance_owned_clusters'), [`flinkwatch_instance_owned_clusters ${CLUSTERS.length}`])
  })
})
