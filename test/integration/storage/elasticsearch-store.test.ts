import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Client } from '@elastic/elasticsearch'
import { AppError } from '../../../src/core/errors.js'
import { ElasticsearchStore } from '../../../src/storage/elasticsearch-store.js'
import { createStore } from '../../../src/storage/create-store.js'
import { storeContract } from '../../contract/store-contract.js'
import { STACK, uniqueId } from '../../helpers/stack.js'

const prefix = uniqueId('fwtest').toLowerCase()
const config = { type: 'elasticsearch' as const, node: STACK.elasticsearch, indexPrefix: prefix, requestTimeout: 30_000 }
const admin = new Client({ node: STACK.elasticsearch })

after(async () => {
  // Each run has its own prefix: drop its indices and templates.
  await admin.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true }).catch(() => undefined)
  await admin.indices.deleteIndexTemplate({ name: `${prefix}-*` }).catch(() => undefined)
  await admin.close()
})

storeContract('elasticsearch', () => createStore(config))

describe('ElasticsearchStore specifics', () => {
  let store: ElasticsearchStore
  const spec = { name: 'specifics', keywords: ['kind', 'owner.name'], numbers: ['size'], text: ['message'] }
  const daily = { name: 'dailyspec', keywords: ['job'], text: ['message'], daily: true }
  const T0 = Date.UTC(2026, 10, 20, 12)
  before(async () => {
    store = await ElasticsearchStore.create(config)
    await store.init([spec, daily])
  })
  after(() => store.close())

  it('installs composable templates and keeps unknown fields out of the mapping', async () => {
    const t = await admin.indices.getIndexTemplate({ name: `${prefix}-dailyspec` })
    assert.deepEqual(t.index_templates[0]?.index_template.index_patterns, [`${prefix}-dailyspec-*.*.*`])
    await store.write(spec.name, [{ id: 'm1', timestamp: T0, body: { kind: 'k', owner: { name: 'ann' }, size: 3, message: 'x', surprise: { deep: 1 } } }])
    const mapping = await admin.indices.getMapping({ index: `${prefix}-specifics` })
    const props = mapping[`${prefix}-specifics`]?.mappings.properties ?? {}
    assert.equal(props['kind']?.type, 'keyword')
    assert.equal(props['size']?.type, 'double')
    assert.equal(props['@timestamp']?.type, 'date')
    assert.equal(props['surprise'], undefined, 'dynamic: false')
    // Each text is indexed once: by the native analyzer, or (pretokenized) as tokens with the original only kept.
    const tokens = (props['_fw_text'] as { properties?: Record<string, { type?: string; analyzer?: string }> } | undefined)?.properties
    const message = props['message'] as { index?: boolean; analyzer?: string; norms?: boolean }
    if (store.analysis === 'native') {
      assert.equal(message.analyzer, 'fw_unicode61')
      assert.equal(tokens, undefined)
    } else {
      assert.equal(message.index, false)
      assert.equal(tokens?.['t0']?.analyzer, 'whitespace')
    }
    assert.equal((props['_fw_id'] as { index?: boolean }).index, false, 'the id field is a sort key only')
    const got = await store.get(spec.name, 'm1')
    assert.deepEqual(got?.body, { kind: 'k', owner: { name: 'ann' }, size: 3, message: 'x', surprise: { deep: 1 } }, 'the body comes back as written')
  })

  it('keeps an ECS body @timestamp as written and finds daily documents by id in their day index', async () => {
    const body = { '@timestamp': '2026-11-15T08:00:00.000Z', job: 'j', message: 'ECS line', 'log.level': 'WARN' }
    await store.write(daily.name, [{ id: 'e1', timestamp: Date.UTC(2026, 10, 15, 8), body }], 'create')
    const got = await store.get(daily.name, 'e1')
    assert.deepEqual(got?.body, body)
    assert.equal(got?.timestamp, Date.UTC(2026, 10, 15, 8))
    const indices = await admin.indices.getAlias({ name: `${prefix}-dailyspec` })
    assert.ok(`${prefix}-dailyspec-2026.11.15` in indices)
    // Last write wins across days: the copy in the older day index goes.
    await store.refresh(daily.name)
    await store.write(daily.name, [{ id: 'e1', timestamp: Date.UTC(2026, 10, 16, 8), body: { job: 'j', message: 'moved' } }], 'upsert')
    await store.refresh(daily.name)
    const q = await store.query(daily.name, { where: { job: 'j' } })
    assert.deepEqual(q.docs.map((d) => [d.id, d.body['message']]), [['e1', 'moved']])
  })

  it('reports per-document failures with a reason and writes the rest', async () => {
    const r = await store.write(spec.name, [
      { id: 'ok', timestamp: T0, body: { kind: 'fine' } },
      { id: 'bad', timestamp: T0, body: { kind: 'fine', owner: 'not an object' } },
    ])
    assert.equal(r.written, 1)
    assert.equal(r.failed.length, 1)
    assert.equal(r.failed[0]?.id, 'bad')
    assert.equal(r.failed[0]?.retriable, false)
    assert.match(r.failed[0]?.reason ?? '', /mapper_parsing_exception|document_parsing_exception/)
  })

  it('finds words across separators and diacritics like FTS5 unicode61', async () => {
    await store.write(spec.name, [{ id: 't1', timestamp: T0, body: { kind: 'txt', message: 'Café crashed in org.acme.OrderMapper#map(42)' } }])
    await store.refresh(spec.name)
    const ids = async (value: string) => (await store.query(spec.name, { text: { must: [{ kind: 'term', value }], mustNot: [] } })).docs.map((d) => d.id)
    assert.deepEqual(await ids('cafe'), ['t1'])
    assert.deepEqual(await ids('ordermapper'), ['t1'])
    assert.deepEqual(await ids('42'), ['t1'])
    assert.deepEqual(await ids('acme.OrderMapper'), ['t1'])
    assert.deepEqual(await ids('crash'), [], 'whole words only, no stemming')
  })

  it('reports health, and an unreachable cluster fails creation with one clear message', async () => {
    assert.equal((await store.health()).ok, true)
    const err = await ElasticsearchStore.create({ ...config, node: 'http://127.0.0.1:1' }).then(
      () => undefined,
      (e: unknown) => e,
    )
    assert.ok(err instanceof AppError)
    assert.match(err.message, /Elasticsearch at http:\/\/127\.0\.0\.1:1\/ is unreachable.*storage\.node/)
    assert.doesNotMatch(err.message, /\n/)
  })
})

