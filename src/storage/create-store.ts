import type { StorageConfig } from '../config/sections/storage.js'
import type { Store } from './store.js'
import { SqliteStore } from './sqlite-store.js'

export async function createStore(config: StorageConfig): Promise<Store> {
  if (config.type === 'embedded') return SqliteStore.open(config.path)
  // Loaded only when configured: the embedded default never pays for the Elasticsearch client.
  const { ElasticsearchStore } = await import('./elasticsearch-store.js')
  return ElasticsearchStore.create(config)
}
