import type { StorageConfig } from '../config/sections/storage.js'
import { ConfigError } from '../core/errors.js'
import type { Store } from './store.js'
import { SqliteStore } from './sqlite-store.js'

export async function createStore(config: StorageConfig): Promise<Store> {
  if (config.type === 'embedded') return SqliteStore.open(config.path)
  throw new ConfigError(['storage.type: elasticsearch is not available yet'])
}
