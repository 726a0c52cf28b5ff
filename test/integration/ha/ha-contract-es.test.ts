/** The HA contract (test/contract/ha-contract.ts) on the real Elasticsearch: leases by if_seq_no/if_primary_term. */
import { after } from 'node:test'
import { Client } from '@elastic/elasticsearch'
import { createStore } from '../../../src/storage/create-store.js'
import { HA_LEASES_COLLECTION, MEMBERS_COLLECTION } from '../../../src/ha/store-coordinator.js'
import { haContract } from '../../contract/ha-contract.js'
import { STACK, uniqueId } from '../../helpers/stack.js'

const prefix = uniqueId('fwha').toLowerCase()
const admin = new Client({ node: STACK.elasticsearch })

after(async () => {
  await admin.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true }).catch(() => undefined)
  await admin.indices.deleteIndexTemplate({ name: `${prefix}-*` }).catch(() => undefined)
  await admin.close()
})

haContract(
  'elasticsearch',
  () => createStore({ type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: prefix, requestTimeout: 30_000 }),
  // Member lists are searches (near real time); leases are read by id (real time) and need no refresh.
  async (store) => {
    await store.refresh(MEMBERS_COLLECTION)
    await store.refresh(HA_LEASES_COLLECTION)
  },
)
