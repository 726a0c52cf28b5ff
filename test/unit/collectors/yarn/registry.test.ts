import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Registry } from 'prom-client'
import { createCollector } from '../../../../platforms/registry.js'
import { createJobManagerReader } from '../../../../platforms/flink/flink-read.js'
import { validateConfig } from '../../../../src/config/load.js'
import { createLogger } from '../../../../src/core/logger.js'
import { FakeClock } from '../../../helpers/fake-clock.js'
import { TEST_CA } from '../../../fakes/kube-apiserver.js'

describe('collector registry: yarn and kubernetes', () => {
  it('builds YARN and Kubernetes collectors from config', async () => {
    const config = validateConfig({
      server: { host: '127.0.0.1', port: 0 },
      clusters: [
        { id: 'yarn-eu', type: 'yarn', url: 'http://rm.example.com:8088' },
        { id: 'k8s-prod', type: 'kubernetes', url: 'https://kube.example.com:6443', token: 't', caFile: TEST_CA },
      ],
    })
    const clock = new FakeClock()
    const deps = { clock, logger: createLogger({ level: 'silent' }), registry: new Registry(), readFlink: createJobManagerReader({ clock, requestTimeoutMs: 1000, concurrency: 1, checkpointIntervalMs: 1000, metricsIntervalMs: 1000 }) }
    const [yarn, kube] = config.clusters.map((c) => createCollector(c, deps))
    assert.equal(yarn!.type, 'yarn')
    assert.equal(yarn!.clusterId, 'yarn-eu')
    assert.equal(kube!.type, 'kubernetes')
    assert.equal(kube!.clusterId, 'k8s-prod')
    await kube!.close?.()
  })
})
