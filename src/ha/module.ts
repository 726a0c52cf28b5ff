/**
 * The HA feature: who this instance is, and the Ownership every feature shares its clusters and channels
 * through. With ha.enabled off it is the single-instance SoloOwnership (everything owned, unfenced).
 * Its component starts last and stops first (app.ts): work begins once everything it feeds runs, and on
 * shutdown the work stops and the leases are released before anything else closes, so other instances
 * take over at once instead of after the TTL.
 */
import { hostname } from 'node:os'
import type { FlinkwatchConfig } from '../config/schema.js'
import type { Clock } from '../core/clock.js'
import type { Component } from '../core/component.js'
import type { Logger } from '../core/logger.js'
import type { Registry } from 'prom-client'
import type { CollectionSpec, Store } from '../storage/store.js'
import { HaOwnership } from './ha-ownership.js'
import { SoloOwnership, type Ownership } from './ownership.js'
import { StoreCoordinator, haCollections } from './store-coordinator.js'

export interface HaModule {
  name: 'ha'
  ownership: Ownership
  collections: readonly CollectionSpec[]
  components: readonly Component[]
}

export interface HaDeps {
  config: FlinkwatchConfig
  store: Store
  clock: Clock
  logger: Logger
  registry: Registry
  version: string
}

export function instanceIdOf(config: FlinkwatchConfig): string {
  return config.ha.instanceId ?? `${hostname()}:${config.server.port}`
}

export function addressOf(config: FlinkwatchConfig): string {
  if (config.server.publicUrl) return config.server.publicUrl.replace(/\/+$/, '')
  const h = config.server.host
  const host = h === '0.0.0.0' || h === '::' ? hostname() : h.includes(':') ? `[${h}]` : h
  return `http://${host}:${config.server.port}`
}

export function createHaModule(d: HaDeps): HaModule {
  const id = instanceIdOf(d.config)
  const address = addressOf(d.config)
  const logger = d.logger.child({ component: 'ha', instance: id })
  let ownership: Ownership
  if (d.config.ha.enabled) {
    const ttlMs = d.config.ha.leaseTtl
    const heartbeatMs = d.config.ha.heartbeat
    ownership = new HaOwnership({
      coordinator: new StoreCoordinator({ store: d.store, clock: d.clock, instanceId: id, ttlMs, marginMs: Math.max(Math.floor(ttlMs / 5), heartbeatMs) }),
      self: { id, address, version: d.version, startedAt: d.clock.now() },
      clock: d.clock,
      logger,
      registry: d.registry,
      heartbeatMs,
      memberTtlMs: ttlMs,
    })
  } else {
    ownership = new SoloOwnership(id, address, d.version, d.clock)
  }
  const component: Component = {
    name: 'ha',
    start: () => ownership.start(),
    stop: () => ownership.stop(),
    readiness: () => ownership.readiness(),
  }
  return { name: 'ha', ownership, collections: d.config.ha.enabled ? haCollections : [], components: [component] }
}
