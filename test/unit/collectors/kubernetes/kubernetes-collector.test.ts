import { afterEach, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { createKubernetesCollector } from '../../../../platforms/kubernetes/kubernetes-collector.js'
import { validateConfig } from '../../../../src/config/load.js'
import type { KubernetesClusterConfig } from '../../../../src/config/sections/clusters.js'
import { createLogger } from '../../../../src/core/logger.js'
import type { ClusterSnapshot } from '../../../../src/model/cluster.js'
import type { Collector } from '../../../../collectors/collector.js'
import { FakeClock } from '../../../helpers/fake-clock.js'
import { FakeJobManager } from '../../../fakes/flink-jobmanager.js'
import { fixture } from '../../../fakes/http-util.js'
import { FakeKubeApiServer, TEST_CA, type KubeObject } from '../../../fakes/kube-apiserver.js'

const logger = createLogger({ level: 'silent' })
const APP_JOB = '7f4c2a9e1b3d5f7a9c1e3b5d7f9a1c3e'
const SESSION_JOB = 'c11c5c11c5c11c5c11c5c11c5c11c5c1'

function k8sConfig(extra: Record<string, unknown>): KubernetesClusterConfig {
  const c = validateConfig({ server: { host: '127.0.0.1', port: 0 }, clusters: [{ id: 'k8s-prod', type: 'kubernetes', ...extra }] })
  return c.clusters[0] as KubernetesClusterConfig
}

const obj = (name: string): KubeObject => fixture<KubeObject>(`k8s/${name}.json`)
const collectOnce = (c: Collector): Promise<ClusterSnapshot> => c.collect(new AbortController().signal)

describe('Kubernetes collector', () => {
  let kube: FakeKubeApiServer
  const jms: FakeJobManager[] = []
  const collectors: Collector[] = []
  const jm = async (jobs: { jid: string; name: string; state: string }[]): Promise<FakeJobManager> => {
    const j = await new FakeJobManager(jobs.map((x) => ({ ...x, startTime: 1767225010000 }))).start()
    jms.push(j)
    return j
  }
  const make = (extra: Record<string, unknown> = {}, deps: Partial<Parameters<typeof createKubernetesCollector>[1]> = {}): Collector => {
    const c = createKubernetesCollector(k8sConfig({ url: kube.url, token: 'sa-token', caFile: TEST_CA, namespaces: ['streaming'], ...extra }), { clock: new FakeClock(), logger, ...deps })
    collectors.push(c)
    return c
  }

  beforeEach(async () => {
    kube = await new FakeKubeApiServer().start()
    kube.tokens.add('sa-token')
  })
  afterEach(async () => {
    await Promise.all(collectors.splice(0).map((c) => c.close?.()))
    await kube.close()
    await Promise.all(jms.splice(0).map((j) => j.close()))
  })

  it('reads a FlinkDeployment through the API-server service proxy with the bearer token and CA', async () => {
    kube.add('flinkdeployments', obj('flinkdeployment-application'))
    kube.jobManagers.set('streaming/orders', await jm([{ jid: APP_JOB, name: 'orders-enrichment', state: 'RUNNING' }]))
    const snap = await collectOnce(make())

    const proxied = kube.calls.filter((c) => c.path.startsWith('/api/v1/namespaces/streaming/services/orders-rest:rest/proxy/'))
    assert.ok(proxied.some((c) => c.path.endsWith('/jobs/overview')), 'Flink REST read through <name>-rest:rest/proxy')
    assert.ok(kube.calls.every((c) => c.authorization === 'Bearer sa-token'))
    assert.ok(kube.calls.some((c) => c.path === '/apis/flink.apache.org/v1beta1/namespaces/streaming/flinkdeployments'))
    assert.ok(kube.calls.some((c) => c.path === '/apis/flink.apache.org/v1beta1/namespaces/streaming/flinksessionjobs'))

    assert.equal(snap.cluster.type, 'kubernetes')
    assert.equal(snap.cluster.version, '1.19.1')
    assert.equal(snap.cluster.taskManagers, 2)
    assert.equal(snap.cluster.jobManagerUrl, `${kube.url}/api/v1/namespaces/streaming/services/orders-rest:rest/proxy`)
    assert.equal(snap.jobs.length, 1)
    const job = snap.jobs[0]!
    assert.equal(job.jobId, APP_JOB)
    assert.equal(job.cluster, 'k8s-prod')
    assert.equal(job.state, 'RUNNING')
    assert.deepEqual(job.platform?.kubernetes, { kind: 'FlinkDeployment', namespace: 'streaming', name: 'orders' })
    assert.equal(job.platform?.platformState, 'STABLE/READY/DEPLOYED')
    assert.deepEqual(snap.warnings, [])
  })

  it('uses status.jobStatus while the JobManager is not ready, with the operator error', async () => {
    const d = obj('flinkdeployment-application') as KubeObject & { status: Record<string, unknown> & { jobStatus: Record<string, unknown> } }
    d.status.jobManagerDeploymentStatus = 'DEPLOYING'
    d.status.lifecycleState = 'UPGRADING'
    d.status.jobStatus.state = 'RECONCILING'
    d.status.error = JSON.stringify({ type: 'org.apache.flink.kubernetes.operator.exception.DeploymentFailedException', message: 'back-off pulling image "flink:1.19.9"\nmore', additionalMetadata: {}, throwableList: [] })
    kube.add('flinkdeployments', d)
    const snap = await collectOnce(make())
    assert.ok(!kube.calls.some((c) => c.path.includes('/proxy/')), 'no REST call to a JobManager that is not ready')
    const job = snap.jobs[0]!
    assert.equal(job.jobId, APP_JOB)
    assert.equal(job.name, 'orders-enrichment')
    assert.equal(job.state, 'RECONCILING')
    assert.equal(job.startTime, 1767225010000)
    assert.equal(job.platform?.platformError, 'DeploymentFailedException: back-off pulling image "flink:1.19.9"')
  })

  it('attributes session jobs to their FlinkSessionJob and reports one the session does not list from its status', async () => {
    kube.add('flinkdeployments', obj('flinkdeployment-session'))
    kube.add('flinksessionjobs', obj('flinksessionjob'))
    const orphan = obj('flinksessionjob') as KubeObject & { status: { jobStatus: Record<string, unknown> } }
    orphan.metadata = { ...orphan.metadata, name: 'views', uid: 'u-views' }
    orphan.status.jobStatus = { ...orphan.status.jobStatus, jobId: 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0', jobName: 'views', state: 'FAILED' }
    kube.add('flinksessionjobs', orphan)
    kube.jobManagers.set('streaming/shared-session', await jm([
      { jid: SESSION_JOB, name: 'clicks-sessionizer', state: 'RUNNING' },
      { jid: 'ad0c0ad0c0ad0c0ad0c0ad0c0ad0c0ad', name: 'ad-hoc', state: 'RUNNING' },
    ]))
    const snap = await collectOnce(make())
    const byId = new Map(snap.jobs.map((j) => [j.jobId, j]))
    assert.equal(snap.jobs.length, 3)
    assert.deepEqual(byId.get(SESSION_JOB)?.platform?.kubernetes, { kind: 'FlinkSessionJob', namespace: 'streaming', name: 'clicks', deployment: 'shared-session' })
    assert.deepEqual(byId.get('ad0c0ad0c0ad0c0ad0c0ad0c0ad0c0ad')?.platform?.kubernetes, { kind: 'FlinkDeployment', namespace: 'streaming', name: 'shared-session' })
    assert.equal(byId.get('b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0')?.state, 'FAILED')
  })

  it('finds native clusters by label and skips operator-managed ones', async () => {
    kube.add('flinkdeployments', obj('flinkdeployment-application'))
    kube.jobManagers.set('streaming/orders', await jm([{ jid: APP_JOB, name: 'orders-enrichment', state: 'RUNNING' }]))
    kube.add('pods', obj('pod-jobmanager-native'))
    const operatorJm = obj('pod-jobmanager-native')
    operatorJm.metadata = { ...operatorJm.metadata, name: 'orders-7c9d-abcde', uid: 'u-orders-jm', labels: { app: 'orders', component: 'jobmanager', type: 'flink-native-kubernetes' } }
    kube.add('pods', operatorJm)
    kube.jobManagers.set('streaming/fraud-detector', await jm([{ jid: 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0', name: 'fraud', state: 'RESTARTING' }]))
    const snap = await collectOnce(make())
    assert.ok(kube.calls.some((c) => c.path.startsWith('/api/v1/namespaces/streaming/pods?labelSelector=type%3Dflink-native-kubernetes%2Ccomponent%3Djobmanager')))
    const fraud = snap.jobs.find((j) => j.jobId === 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0')
    assert.equal(fraud?.state, 'RESTARTING')
    assert.deepEqual(fraud?.platform?.kubernetes, { kind: 'native', namespace: 'streaming', name: 'fraud-detector' })
    assert.equal(kube.calls.filter((c) => c.path.includes('/services/orders-rest:rest/proxy/jobs/overview')).length, 1, 'the operator cluster is read once')
    assert.equal(snap.jobs.length, 2)
  })

  it('reports an OOM-killed TaskManager pod once, across polls', async () => {
    kube.add('flinkdeployments', obj('flinkdeployment-application'))
    kube.jobManagers.set('streaming/orders', await jm([{ jid: APP_JOB, name: 'orders-enrichment', state: 'RUNNING' }]))
    kube.add('pods', obj('pod-taskmanager-oomkilled'))
    const c = make()
    const first = await collectOnce(c)
    assert.equal(first.incidents.length, 1)
    const inc = first.incidents[0]!
    assert.equal(inc.kind, 'taskmanager-oom-killed')
    assert.equal(inc.cluster, 'k8s-prod')
    assert.equal(inc.subject, 'streaming/orders-taskmanager-1-2')
    assert.equal(inc.at, Date.parse('2026-01-01T00:04:09Z'))
    assert.equal(inc.jobName, 'orders-enrichment')
    assert.match(inc.message, /OOMKilled .*exit code 137/)
    assert.deepEqual((await collectOnce(c)).incidents, [])
    assert.deepEqual((await collectOnce(c)).incidents, [])
    assert.equal(first.jobs[0]?.state, 'RUNNING', 'a lost TaskManager is an incident, not a job state')
  })

  it('reports an evicted TaskManager once although pod status and event both show it, and a crashed one as lost', async () => {
    kube.add('pods', obj('pod-taskmanager-evicted'))
    kube.add('events', obj('event-evicted'))
    const crashed = obj('pod-taskmanager-oomkilled') as KubeObject & { status: { containerStatuses: { state: { terminated: Record<string, unknown> } }[] } }
    crashed.metadata = { ...crashed.metadata, name: 'orders-taskmanager-1-3', uid: 'u-crashed' }
    crashed.status.containerStatuses[0]!.state.terminated = { exitCode: 239, reason: 'Error', startedAt: '2026-01-01T00:00:07Z', finishedAt: '2026-01-01T00:05:00Z' }
    kube.add('pods', crashed)
    const c = make()
    const snap = await collectOnce(c)
    const kinds = snap.incidents.map((i) => `${i.kind} ${i.subject}`).sort()
    assert.deepEqual(kinds, ['taskmanager-evicted streaming/orders-taskmanager-1-1', 'taskmanager-lost streaming/orders-taskmanager-1-3'])
    assert.match(snap.incidents.find((i) => i.kind === 'taskmanager-lost')!.message, /exit code 239, a fatal error in a Flink thread/)
    // The pod is deleted; the event remains: still one incident.
    kube.objects.pods = []
    assert.deepEqual((await collectOnce(c)).incidents, [])
  })

  it('reports an eviction known only from its event (pod already deleted)', async () => {
    kube.add('events', obj('event-evicted'))
    const snap = await collectOnce(make())
    assert.equal(snap.incidents.length, 1)
    assert.equal(snap.incidents[0]!.kind, 'taskmanager-evicted')
    assert.equal(snap.incidents[0]!.at, Date.parse('2026-01-01T00:03:00Z'))
    assert.ok(kube.calls.some((c) => c.path === '/api/v1/namespaces/streaming/events?fieldSelector=involvedObject.kind%3DPod%2Ctype%3DWarning'))
  })

  it('re-reads a rotated token file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-kube-'))
    const tokenFile = join(dir, 'token')
    writeFileSync(tokenFile, 'token-1\n')
    kube.tokens.clear()
    kube.tokens.add('token-1')
    const c = make({ token: undefined, tokenFile })
    await collectOnce(c)
    assert.equal(kube.calls.at(-1)?.authorization, 'Bearer token-1')
    writeFileSync(tokenFile, 'token-22\n')
    kube.tokens.clear()
    kube.tokens.add('token-22')
    await collectOnce(c)
    assert.equal(kube.calls.at(-1)?.authorization, 'Bearer token-22')
  })

  it('uses the in-cluster defaults: service host/port env, service-account token, CA and namespace', async () => {
    const sa = mkdtempSync(join(tmpdir(), 'fw-sa-'))
    writeFileSync(join(sa, 'token'), 'in-cluster-token')
    copyFileSync(TEST_CA, join(sa, 'ca.crt'))
    writeFileSync(join(sa, 'namespace'), 'streaming\n')
    kube.tokens.add('in-cluster-token')
    kube.add('flinkdeployments', obj('flinkdeployment-application'))
    const port = new URL(kube.url).port
    const c = createKubernetesCollector(k8sConfig({ inCluster: true }), { clock: new FakeClock(), logger, env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port }, serviceAccountDir: sa })
    collectors.push(c)
    const snap = await collectOnce(c)
    assert.equal(kube.calls[0]?.authorization, 'Bearer in-cluster-token')
    assert.equal(kube.calls[0]?.path, '/apis/flink.apache.org/v1beta1/namespaces/streaming/flinkdeployments')
    assert.equal(snap.jobs[0]?.jobId, APP_JOB)
  })

  it('explains an in-cluster config outside a pod', () => {
    assert.throws(() => createKubernetesCollector(k8sConfig({ inCluster: true }), { clock: new FakeClock(), logger, env: {} }), /KUBERNETES_SERVICE_HOST is not set/)
  })

  it('lists all namespaces when none is configured outside the cluster', async () => {
    await collectOnce(make({ namespaces: [] }))
    assert.ok(kube.calls.some((c) => c.path === '/apis/flink.apache.org/v1beta1/flinkdeployments'))
    assert.ok(kube.calls.some((c) => c.path.startsWith('/api/v1/pods?labelSelector=')))
  })

  it('fails the probe with a clear error when the CA does not match', async () => {
    const c = make({ caFile: undefined })
    await assert.rejects(collectOnce(c), /Kubernetes API server unreachable: .*(self-signed|SELF_SIGNED|unable to verify)/i)
  })

  it('fails the probe on 401 with the API server message', async () => {
    kube.tokens.clear()
    kube.tokens.add('other')
    await assert.rejects(collectOnce(make()), (err: Error & { status?: number }) => err.status === 401 && /HTTP 401.*Unauthorized/.test(err.message))
  })

  it('skips and counts a malformed FlinkDeployment, keeping the others', async () => {
    kube.add('flinkdeployments', { metadata: { name: 'broken', namespace: 'streaming' }, status: { jobStatus: { jobId: 42 } } } as unknown as KubeObject)
    kube.add('flinkdeployments', obj('flinkdeployment-application'))
    kube.jobManagers.set('streaming/orders', await jm([{ jid: APP_JOB, name: 'orders-enrichment', state: 'RUNNING' }]))
    const registry = new Registry()
    const snap = await collectOnce(make({}, { registry }))
    assert.equal(snap.jobs.length, 1)
    const w = snap.warnings?.find((x) => x.reason === 'decode')
    assert.match(w?.message ?? '', /flinkdeployments items\[0\] \(broken\): \/status/)
    assert.match(await registry.getSingleMetricAsString('flinkwatch_platform_payload_errors_total'), /platform="kubernetes",resource="flinkdeployments"\} 1/)
  })

  it('rejects a truncated FlinkDeployment list with a decode error', async () => {
    kube.overrides.set('/apis/flink.apache.org/v1beta1/namespaces/streaming/flinkdeployments', { status: 200, body: '{"items":[{"metadata":' })
    await assert.rejects(collectOnce(make()), (err: Error & { code?: string }) => err.code === 'ERR_DECODE' && /not JSON/.test(err.message))
  })

  it('watches native clusters only when the operator CRDs are not installed', async () => {
    kube.crdsInstalled = false
    kube.add('pods', obj('pod-jobmanager-native'))
    kube.jobManagers.set('streaming/fraud-detector', await jm([{ jid: 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0', name: 'fraud', state: 'RUNNING' }]))
    const snap = await collectOnce(make())
    assert.deepEqual(snap.jobs.map((j) => j.jobId), ['f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0'])
    assert.ok(!kube.calls.some((c) => c.path.includes('flinksessionjobs')))
  })

  it('keeps the operator view when a ready JobManager cannot be read through the proxy', async () => {
    kube.add('flinkdeployments', obj('flinkdeployment-application'))
    const snap = await collectOnce(make())
    assert.equal(snap.jobs[0]?.state, 'RUNNING')
    assert.match(snap.warnings?.[0]?.message ?? '', /JobManager of streaming\/orders could not be read: .*503.*no endpoints available/)
  })
})
