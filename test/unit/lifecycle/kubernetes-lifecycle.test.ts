/**
 * KubernetesLifecycleActions (cancel, stop, savepoint, restart) against the fake API server; the test plays the
 * Flink operator (`onPatch` updates the resource status the way the operator reconciles the spec change). Every
 * action's exact API calls are asserted.
 */
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import type { ActionContext, JobRef } from '../../../src/lifecycle/actions.js'
import { createKubernetesActions } from '../../../platforms/kubernetes/kubernetes-actions.js'
import { KubernetesLifecycleActions } from '../../../platforms/kubernetes/kubernetes-lifecycle.js'
import type { RestorePointMemory } from '../../../src/lifecycle/restore-point-memory.js'
import type { RestorePoint } from '../../../src/model/operation.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { fixture } from '../../fakes/http-util.js'
import { FakeKubeApiServer, TEST_CA, type KubeObject } from '../../fakes/kube-apiserver.js'

const JOB = '7f4c2a9e1b3d5f7a9c1e3b5d7f9a1c3e'
const NEW_JOB = '1'.repeat(32)
const PATH = '/apis/flink.apache.org/v1beta1/namespaces/streaming/flinkdeployments/orders'
const OLD_SP = 's3://flink/savepoints/savepoint-7f4c2a-0123456789ab'

type Status = { lifecycleState: string; jobStatus: Record<string, unknown> & { savepointInfo: { lastSavepoint: Record<string, unknown> | null } } }
type Patch = { spec?: { restartNonce?: number; job?: Record<string, unknown> } }

class MemoryStub implements RestorePointMemory {
  point: RestorePoint | null = null
  async get(): Promise<RestorePoint | null> {
    return this.point
  }
  async remember(_c: string, _j: string, p: RestorePoint): Promise<void> {
    this.point = p
  }
}

describe('Kubernetes lifecycle (against the fake API server)', () => {
  let kube: FakeKubeApiServer
  let memory: MemoryStub
  const clock = new FakeClock()
  beforeEach(async () => {
    kube = await new FakeKubeApiServer().start()
    kube.tokens.add('operator-token')
    kube.add('flinkdeployments', fixture<KubeObject>('k8s/flinkdeployment-application.json'))
    memory = new MemoryStub()
    // The operator: reconciles each spec change into the status at once.
    kube.onPatch = (_plural, obj, raw) => {
      const status = obj['status'] as Status
      const job = (raw as Patch).spec?.job ?? {}
      if (job['state'] === 'suspended') {
        status.lifecycleState = 'SUSPENDED'
        status.jobStatus['state'] = 'FINISHED'
        status.jobStatus['upgradeSavepointPath'] = 's3://flink/savepoints/savepoint-7f4c2a-suspend'
      }
      if (job['savepointTriggerNonce'] !== undefined) status.jobStatus.savepointInfo.lastSavepoint = { timeStamp: clock.now(), location: 's3://flink/savepoints/savepoint-7f4c2a-manual', triggerType: 'MANUAL', formatType: 'CANONICAL' }
      if (job['state'] === 'running' || job['savepointRedeployNonce'] !== undefined) {
        status.lifecycleState = 'STABLE'
        Object.assign(status.jobStatus, { state: 'RUNNING', jobId: NEW_JOB })
      }
    }
  })
  afterEach(() => kube.close())

  const job = (): JobRef => ({ cluster: 'k8s-eu', jobId: JOB, jobName: 'orders-enrichment', state: 'RUNNING', platform: { kubernetes: { kind: 'FlinkDeployment', namespace: 'streaming', name: 'orders' } } })
  const ctx = (): ActionContext => ({ signal: new AbortController().signal, progress: () => {} })
  const actions = () => new KubernetesLifecycleActions({ cluster: 'k8s-eu', kube: createKubernetesActions({ url: kube.url, token: 'operator-token', caFile: TEST_CA, clock, timeoutMs: 5000 }), clock, memory })
  /** Method, path and (for patches) the merge patch, in order. */
  const calls = () => kube.calls.map((c) => (c.method === 'PATCH' ? `PATCH ${c.path} ${c.body}` : `${c.method} ${c.path}`))
  const status = () => kube.get('flinkdeployments', 'streaming', 'orders')!['status'] as Status

  it('cancel: suspends (merge patch spec.job.state), then reads the status', async () => {
    assert.deepEqual(await actions().cancel(job(), ctx()), { finalState: 'FINISHED' })
    assert.deepEqual(calls(), [`PATCH ${PATH} {"spec":{"job":{"state":"suspended"}}}`, `GET ${PATH}`])
    assert.ok(kube.calls.every((c) => c.authorization === 'Bearer operator-token'))
    assert.equal(kube.calls[0]!.contentType, 'application/merge-patch+json')
  })

  it('stop: reads the status, suspends, and reports the upgrade savepoint the operator took', async () => {
    const r = await actions().stop(job(), { drain: false }, ctx())
    assert.deepEqual(r, { savepointPath: 's3://flink/savepoints/savepoint-7f4c2a-suspend', finalState: 'FINISHED' })
    assert.deepEqual(calls(), [`GET ${PATH}`, `PATCH ${PATH} {"spec":{"job":{"state":"suspended"}}}`, `GET ${PATH}`])
    assert.equal(memory.point?.path, r.savepointPath)
  })

  it('savepoint: reads the status, bumps spec.job.savepointTriggerNonce, and waits for a new lastSavepoint', async () => {
    const r = await actions().savepoint(job(), ctx())
    assert.deepEqual(r, { savepointPath: 's3://flink/savepoints/savepoint-7f4c2a-manual' })
    // The nonce is the current time (above the resource's 1).
    assert.deepEqual(calls(), [`GET ${PATH}`, `GET ${PATH}`, `PATCH ${PATH} {"spec":{"job":{"savepointTriggerNonce":${clock.now()}}}}`, `GET ${PATH}`])
  })

  it('restart of a running job: redeploys from the newest restore point with savepointRedeployNonce', async () => {
    memory.point = { path: 's3://flink/checkpoints/chk-12', kind: 'checkpoint', completedAt: clock.now(), jobId: JOB }
    const r = await actions().restart(job(), { policy: null, allowFreshStart: false }, ctx())
    assert.deepEqual(calls(), [
      `GET ${PATH}`,
      `GET ${PATH}`,
      `PATCH ${PATH} {"spec":{"job":{"initialSavepointPath":"s3://flink/checkpoints/chk-12","savepointRedeployNonce":${clock.now()}}}}`,
      `GET ${PATH}`,
    ])
    assert.equal(r.newJobId, NEW_JOB)
    assert.equal(r.previous, 'canceled')
    assert.equal(r.restoredFrom?.path, 's3://flink/checkpoints/chk-12')
  })

  it('restart of a suspended job: resumes it (spec.job.state running)', async () => {
    Object.assign(status(), { lifecycleState: 'SUSPENDED' })
    Object.assign(status().jobStatus, { state: 'FINISHED', upgradeSavepointPath: OLD_SP })
    const r = await actions().restart(job(), { policy: null, allowFreshStart: false }, ctx())
    assert.deepEqual(calls(), [`GET ${PATH}`, `PATCH ${PATH} {"spec":{"job":{"state":"running"}}}`, `GET ${PATH}`])
    assert.deepEqual(r, { newJobId: NEW_JOB, restoredFrom: null, previous: 'terminal', details: { lifecycleState: 'STABLE' } })
  })

  it('restart without any restore point falls back to spec.restartNonce (the operator upgrades from its last-state)', async () => {
    // The operator's own upgrade savepoint exists (fixture): a plain restart resumes from it.
    kube.onPatch = (_p, obj, raw) => {
      if ((raw as Patch).spec?.restartNonce !== undefined) Object.assign((obj['status'] as Status).jobStatus, { state: 'RUNNING', jobId: NEW_JOB })
    }
    const r = await actions().restart(job(), { policy: null, allowFreshStart: false }, ctx())
    assert.deepEqual(calls(), [`GET ${PATH}`, `GET ${PATH}`, `PATCH ${PATH} {"spec":{"restartNonce":${clock.now()}}}`, `GET ${PATH}`])
    assert.equal(r.newJobId, NEW_JOB)
  })
})
