import { Registry, collectDefaultMetrics } from 'prom-client'

/** One registry per service instance (tests build many); default process metrics included. */
export function createRegistry(): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return registry
}
