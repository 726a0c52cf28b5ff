/**
 * What a feature module is built from and what it contributes. Every module (`createXxxModule(ctx)`)
 * imports these from here; `src/app.ts` is the composition root that builds them all, and nothing
 * imports it back.
 */
import type { Registry } from 'prom-client'
import type { FlinkwatchConfig } from '../config/schema.js'
import type { CollectionSpec, Store } from '../storage/store.js'
import type { Clock } from './clock.js'
import type { Component } from './component.js'
import type { EventBus } from './event-bus.js'
import type { Logger } from './logger.js'
import type { StreamTopic } from './stream-topic.js'

/** What every feature module is built from. */
export interface AppContext {
  config: FlinkwatchConfig
  logger: Logger
  registry: Registry
  clock: Clock
  bus: EventBus
  store: Store
}

/**
 * What a feature contributes; app.ts is the only place that knows them all. HTTP routes are not part of
 * it: app.ts builds them over the services a module exposes (domain code never imports src/http/).
 */
export interface FeatureModule {
  name: string
  collections?: readonly CollectionSpec[]
  components?: readonly Component[]
  topics?: readonly StreamTopic[]
}
