/** The log patterns contract (test/contract/patterns-contract.ts) on the real Elasticsearch: same answers as SQLite. */
import { after } from 'node:test'
import { Client } from '@elastic/elasticsearch'
import { createStore } from '../../../src/storage/create-store.js'
import { patternsContract } from '../../contract/patterns-contract.js'
import { STACK, uniqueId } from '../../helpers/stack.js'

const prefix = uniqueId('fwpatterns').toLowerCase()
const admin = new Client({ node: STACK.elasticsearch })

after(async () => {
  // This run's own prefix: drop its indices and templates.
  await admin.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true }).catch(() => undefined)
  await admin.indices.deleteIndexTemplate({ name: `${prefix}-*` }).catch(() => undefined)
  await admin.close()
})

patternsContract('elasticsearch', () => createStore({ type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: prefix, requestTimeout: 30_000 }))
