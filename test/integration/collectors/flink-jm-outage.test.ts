/**
 * A stopped JobManager (test/stack/flink-jm.sh stops only the JobManager) makes the cluster `down`
 * only after the configured failed probes, then `up` again after the restart.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ROOT, STACK, getJson, waitFor } from '../../helpers/stack.js'
import { startService, testConfig, type RunningService } from '../../helpers/service.js'

interface ClusterBody {
  id: string
  status: 'up' | 'down'
  consecutiveFailures: number
}

const CLUSTER = 'stack'
const DOWN_AFTER = 3

function config() {
  return testConfig({
    clusters: [{ id: CLUSTER, type: 'flink', url: STACK.flink, pollInterval: '1s', requestTimeout: '2s', downAfter: DOWN_AFTER }],
  })
}

const JM = join(ROOT, 'test/stack/flink-jm.sh')

describe('flink collector when the JobManager goes away', () => {
  let svc: RunningService
  before(async () => {
    svc = await startService(config())
    await waitFor('cluster up', async () => {
      const { clusters } = await getJson<{ clusters: ClusterBody[] }>(`${svc.url}/api/v1/clusters`)
      return clusters[0]?.status === 'up'
    })
  })
  after(async () => {
    // Whatever happened, leave the shared stack with a JobManager.
    spawnSync('bash', [JM, 'start'], { stdio: 'inherit' })
    await svc?.stop()
  })

  it('is down only after the configured failed probes, and up again after the restart', async () => {
    const clusters = async () => (await getJson<{ clusters: ClusterBody[] }>(`${svc.url}/api/v1/clusters`)).clusters[0]!
    const stop = spawnSync('bash', [JM, 'stop'], { stdio: 'inherit' })
    assert.equal(stop.status, 0)
    const failing = await waitFor('a failed probe', async () => {
      const c = await clusters()
      return c.consecutiveFailures >= 1 ? c : undefined
    }, 30_000, 50)
    if (failing.consecutiveFailures < DOWN_AFTER) assert.equal(failing.status, 'up', 'one failed probe is not down')
    const down = await waitFor('cluster down', async () => {
      const c = await clusters()
      return c.status === 'down' ? c : undefined
    }, 30_000)
    assert.ok(down.consecutiveFailures >= DOWN_AFTER)
    const start = spawnSync('bash', [JM, 'start'], { stdio: 'inherit' })
    assert.equal(start.status, 0)
    const up = await waitFor('cluster up again', async () => {
      const c = await clusters()
      return c.status === 'up' ? c : undefined
    }, 90_000)
    assert.equal(up.consecutiveFailures, 0)
    const metrics = await (await fetch(`${svc.url}/metrics`)).text()
    assert.match(metrics, new RegExp(`flinkwatch_collector_errors_total\\{cluster="${CLUSTER}",reason="connect"\\} [1-9]`))
  })
})
