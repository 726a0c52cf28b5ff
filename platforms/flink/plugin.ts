/** The `flink` platform: a standalone or session JobManager at a fixed REST URL. */
import type { FlinkClusterConfig } from '../../src/config/sections/clusters.js'
import type { PlatformPlugin } from '../platform.js'
import { createFlinkCollector } from './flink-collector.js'
import { FlinkHttp } from './flink-http.js'
import { FlinkSessionActions } from './flink-session-actions.js'

export const flinkPlatform: PlatformPlugin<FlinkClusterConfig> = {
  type: 'flink',
  createCollector: (c, d) => createFlinkCollector(c, { clock: d.clock }),
  createActions(c, d) {
    const timeoutMs = c.requestTimeout
    return new FlinkSessionActions({ cluster: c.id, clock: d.clock, memory: d.memory, http: new FlinkHttp({ baseUrl: c.url, clock: d.clock, timeoutMs: Math.max(timeoutMs, 10_000) }) })
  },
}
