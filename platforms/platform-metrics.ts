import { Counter, type Registry } from 'prom-client'

const NAME = 'flinkwatch_platform_payload_errors_total'

/**
 * Payloads from YARN or Kubernetes that did not decode (the entry is skipped, the poll goes on). One
 * counter per registry, shared by every YARN and Kubernetes collector; `resource` is a fixed word.
 */
export function platformErrorCounter(registry: Registry | undefined): Counter<'platform' | 'resource'> | undefined {
  if (!registry) return undefined
  const existing = registry.getSingleMetric(NAME)
  if (existing) return existing as Counter<'platform' | 'resource'>
  return new Counter({ name: NAME, help: 'YARN/Kubernetes payload entries that failed to decode and were skipped', labelNames: ['platform', 'resource'], registers: [registry] })
}
