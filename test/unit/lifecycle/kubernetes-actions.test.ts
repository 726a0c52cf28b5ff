import { afterEach, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createKubernetesActions, type KubernetesResourceRef } from '../../../platforms/kubernetes/kubernetes-actions.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { fixture } from '../../fakes/http-util.js'
import { FakeKubeApiServer, TEST_CA, type KubeObject } from '../../fakes/kube-apiserver.js'

const DEPLOYMENT: KubernetesResourceRef = { kind: 'FlinkDeployment', namespace: 'streaming', name: 'orders' }
const SESSION_JOB: KubernetesResourceRef = { kind: 'FlinkSessionJob', namespace: 'streaming', name: 'clicks' }

describe('Kubernetes lifecycle actions', () => {
  let kube: FakeKubeApiServer
  const clock = new FakeClock()
  beforeEach(async () => {
    kube = await new FakeKubeApiServer().start()
    kube.tokens.add('operator-token')
    kube.add('flinkdeployments', fixture<KubeObject>('k8s/flinkdeployment-application.json'))
    kube.add('flinksessionjobs', fixture<KubeObject>('k8s/flinksessionjob.json'))
  })
  afterEach(() => kube.close())
  const actions = () => createKubernetesActions({ url: kube.url, token: 'operator-token', caFile: TEST_CA, clock, timeoutMs: 5000 })
  const patches = () => kube.calls.filter((c) => c.method === 'PATCH')
  const spec = (kind: 'flinkdeployments' | 'flinksessionjobs', name: string) => kube.get(kind, 'streaming', name)!['spec'] as Record<string, unknown> & { job: Record<string, unknown> }

  it('restarts with a merge patch of spec.restartNonce', async () => {
    const nonce = await actions().restart(DEPLOYMENT)
    assert.equal(nonce, clock.now())
    const [p] = patches()
    assert.equal(p!.path, '/apis/flink.apache.org/v1beta1/namespaces/streaming/flinkdeployments/orders')
    assert.equal(p!.contentType, 'application/merge-patch+json')
    assert.equal(p!.authorization, 'Bearer operator-token')
    assert.deepEqual(JSON.parse(p!.body), { spec: { restartNonce: nonce } })
    assert.equal(spec('flinkdeployments', 'orders').restartNonce, nonce)
    assert.equal(spec('flinkdeployments', 'orders').job['upgradeMode'], 'last-state', 'the rest of the spec is kept')
  })

  it('picks a nonce above the current one so the operator sees a change', async () => {
    spec('flinkdeployments', 'orders').restartNonce = clock.now() + 5
    assert.equal(await actions().restart(DEPLOYMENT), clock.now() + 6)
  })

  it('triggers a savepoint with spec.job.savepointTriggerNonce on a FlinkSessionJob', async () => {
    const nonce = await actions().triggerSavepoint(SESSION_JOB)
    const [p] = patches()
    assert.equal(p!.path, '/apis/flink.apache.org/v1beta1/namespaces/streaming/flinksessionjobs/clicks')
    assert.deepEqual(JSON.parse(p!.body), { spec: { job: { savepointTriggerNonce: nonce } } })
    assert.equal(spec('flinksessionjobs', 'clicks').job['savepointTriggerNonce'], nonce)
    assert.equal(spec('flinksessionjobs', 'clicks').job['jarURI'], 'https://artifacts.example.com/clicks.jar')
  })

  it('suspends and resumes with spec.job.state', async () => {
    const a = actions()
    await a.suspend(DEPLOYMENT)
    assert.equal(spec('flinkdeployments', 'orders').job['state'], 'suspended')
    await a.resume(DEPLOYMENT)
    assert.equal(spec('flinkdeployments', 'orders').job['state'], 'running')
    assert.deepEqual(patches().map((p) => JSON.parse(p.body)), [{ spec: { job: { state: 'suspended' } } }, { spec: { job: { state: 'running' } } }])
    assert.ok(patches().every((p) => p.contentType === 'application/merge-patch+json'))
  })

  it('redeploys from a chosen savepoint', async () => {
    const nonce = await actions().redeployFromSavepoint(DEPLOYMENT, 's3://flink/savepoints/sp-1')
    assert.deepEqual(JSON.parse(patches()[0]!.body), { spec: { job: { initialSavepointPath: 's3://flink/savepoints/sp-1', savepointRedeployNonce: nonce } } })
  })

  it('reads progress back from the status', async () => {
    const s = await actions().get(DEPLOYMENT)
    assert.deepEqual(s, {
      lifecycleState: 'STABLE',
      jobState: 'RUNNING',
      jobId: '7f4c2a9e1b3d5f7a9c1e3b5d7f9a1c3e',
      error: null,
      lastSavepoint: 's3://flink/savepoints/savepoint-7f4c2a-0123456789ab',
      upgradeSavepointPath: 's3://flink/savepoints/savepoint-7f4c2a-0123456789ab',
    })
  })

  it('reports a missing resource and a refused token clearly', async () => {
    await assert.rejects(actions().restart({ ...DEPLOYMENT, name: 'gone' }), (err: Error & { code?: string }) => err.code === 'ERR_NOT_FOUND' && /FlinkDeployment streaming\/gone not found/.test(err.message))
    kube.tokens.clear()
    kube.tokens.add('other')
    await assert.rejects(actions().suspend(DEPLOYMENT), (err: Error & { status?: number }) => err.status === 401)
    assert.equal(patches().length, 1, 'the refused patch was sent once, nothing else changed')
    assert.equal(spec('flinkdeployments', 'orders').job['state'], 'running')
  })
})
