/** The `yarn` platform: Flink applications on a YARN ResourceManager, JobManagers read through the RM proxy. */
import type { YarnClusterConfig } from '../../src/config/sections/clusters.js'
import type { PlatformPlugin } from '../platform.js'
import { createYarnActions } from './yarn-actions.js'
import { createYarnCollector } from './yarn-collector.js'
import { YarnLifecycleActions } from './yarn-lifecycle.js'

export const yarnPlatform: PlatformPlugin<YarnClusterConfig> = {
  type: 'yarn',
  createCollector: (c, d) => createYarnCollector(c, d),
  createActions(c, d) {
    const timeoutMs = c.requestTimeout
    const yarn = createYarnActions({ url: c.url, ...(c.user ? { user: c.user } : {}), timeoutMs: Math.max(timeoutMs, 10_000), clock: d.clock })
    return new YarnLifecycleActions({ cluster: c.id, yarn, clock: d.clock, timeoutMs, memory: d.memory })
  },
}
