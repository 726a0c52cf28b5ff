import { afterEach, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Registry } from 'prom-client'
import { createKubernetesCollector } from '../../../../platforms/kubernetes/kubernetes-collector.js'
import type { WatchNotice } from '../../../../platforms/kubernetes/pod-watch.js'
import type { Collector } from '../../../../collectors/collector.js'
import { validateConfig } from '../../../../src/config/load.js'
import type { KubernetesClusterConfig } from '../../../../src/config/sections/clusters.js'
import { createLogger } from '../../../../src/core/logger.js'
import type { ClusterSnapshot } from '../../../../src/model/cluster.js'
import { FakeClock, flushMicrotasks } from '../../../helpers/fake-clock.js'
import { FakeJobManager } from '../../../fakes/flink-jobmanager.js'
import { fixture } from '../../../fakes/http-util.js'
import { FakeKubeApiServer, TEST_CA, type KubeObject } from '../../../fakes/kube-apiserver.js'

const logger = createLogger({ level: 'silent' })
const APP_JOB = '7f4c2a9e1b3d5f7a9c1e3b5d7f9a1c3e'

const obj = (name: string): KubeObject => fixture<KubeObject>(`k8s/${name}.json`)
const collectOnce = (c: Collector): Promise<ClusterSnapshot> => c.collect(new AbortController().signal)

type PodObject = KubeObject & { status: { phase: string; containerStatuses: { state: Record<string, unknown>; ready: boolean }[] } }

/** The running TaskManager pod after its container was OOM-killed (what the kubelet reports). */
function oomKilled(pod: KubeObject, finishedAt: string): KubeObject {
  const p = structuredClone(pod) as PodObject
  p.status.phase = 'Failed'
  p.status.containerStatuses[0]!.ready = false
  p.status.containerStatuses[0]!.state = { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2026-01-01T00:00:07Z', finishedAt } }
  return p
}

/** Watch notices as they come, and promises for "n of these have happened" (no sleeping). */
function notices(): { seen: WatchNotice[]; on: (n: WatchNotice) => void; count: (p: (n: WatchNotice) => boolean) => number; until: (p: (n: WatchNotice) => boolean, n?: number) => Promise<void> } {
  const seen: WatchNotice[] = []
  const waiters: { p: (n: WatchNotice) => boolean; n: number; resolve: () => void }[] = []
  const count = (p: (n: WatchNotice) => boolean): number => seen.filter(p).length
  const check = (): void => {
    for (const w of [...waiters]) if (count(w.p) >= w.n) waiters.splice(waiters.indexOf(w), 1) && w.resolve()
  }
  return {
    seen,
    count,
    on(n) {
      seen.push(n)
      check()
    },
    until(p, n = 1) {
      return new Promise<void>((resolve) => {
        waiters.push({ p, n, resolve })
        check()
      })
    },
  }
}

const watchCalls = (kube: FakeKubeApiServer): URL[] =>
  kube.calls.filter((c) => c.path.startsWith('/api/v1/namespaces/streaming/pods?') && c.path.includes('watch=true')).map((c) => new URL(c.path, 'https://kube'))

describe('Kubernetes collector: TaskManager pod watch', () => {
  let kube: FakeKubeApiServer
  let clock: FakeClock
  const jms: FakeJobManager[] = []
  const collectors: Collector[] = []
  const make = (deps: Partial<Parameters<typeof createKubernetesCollector>[1]> = {}): Collector => {
    const config = validateConfig({ server: { host: '127.0.0.1', port: 0 }, clusters: [{ id: 'k8s-prod', type: 'kubernetes', url: kube.url, token: 'sa-token', caFile: TEST_CA, namespaces: ['streaming'] }] }).clusters[0] as KubernetesClusterConfig
    const c = createKubernetesCollector(config, { clock, logger, random: () => 0.5, ...deps })
    collectors.push(c)
    return c
  }

  beforeEach(async () => {
    clock = new FakeClock()
    kube = await new FakeKubeApiServer().start()
    kube.tokens.add('sa-token')
    kube.add('flinkdeployments', obj('flinkdeployment-application'))
    const jm = await new FakeJobManager([{ jid: APP_JOB, name: 'orders-enrichment', state: 'RUNNING', startTime: 1767225010000 }]).start()
    jms.push(jm)
    kube.jobManagers.set('streaming/orders', jm)
    kube.add('pods', obj('pod-taskmanager-running'))
  })
  afterEach(async () => {
    await Promise.all(collectors.splice(0).map((c) => c.close?.()))
    await kube.close()
    await Promise.all(jms.splice(0).map((j) => j.close()))
  })

  it('reports a TaskManager OOM-killed and deleted between two polls exactly once', async () => {
    const n = notices()
    const c = make({ onWatchNotice: n.on })
    const first = await collectOnce(c)
    assert.deepEqual(first.incidents, [])
    await kube.waitForWatches(1)
    const [w] = watchCalls(kube)
    assert.equal(w?.searchParams.get('labelSelector'), 'component=taskmanager')
    assert.equal(w?.searchParams.get('allowWatchBookmarks'), 'true')
    assert.equal(w?.searchParams.get('resourceVersion'), '1000', 'the watch starts where the poll list ended')

    // Between the polls: the kubelet reports OOMKilled, Flink's ResourceManager deletes the pod.
    const killed = oomKilled(obj('pod-taskmanager-running'), '2026-01-01T00:06:00Z')
    kube.podEvent('MODIFIED', killed)
    kube.podEvent('DELETED', killed)
    await n.until((x) => x.kind === 'event' && x.type === 'DELETED')
    assert.equal(kube.objects.pods.length, 0, 'the next poll list cannot see the pod')

    const second = await collectOnce(c)
    assert.equal(second.incidents.length, 1)
    const inc = second.incidents[0]!
    assert.equal(inc.kind, 'taskmanager-oom-killed')
    assert.equal(inc.subject, 'streaming/orders-taskmanager-1-4')
    assert.equal(inc.at, Date.parse('2026-01-01T00:06:00Z'))
    assert.equal(inc.jobName, 'orders-enrichment')
    assert.match(inc.message, /OOMKilled .*exit code 137/)
    assert.deepEqual(second.warnings, [])
    assert.deepEqual((await collectOnce(c)).incidents, [])
    assert.equal(watchCalls(kube).length, 1, 'one watch across the polls')
  })

  it('misses that kill without the watch (the gap the watch closes)', async () => {
    const c = make({ watchPods: false })
    await collectOnce(c)
    const killed = oomKilled(obj('pod-taskmanager-running'), '2026-01-01T00:06:00Z')
    kube.podEvent('MODIFIED', killed)
    kube.podEvent('DELETED', killed)
    assert.deepEqual((await collectOnce(c)).incidents, [])
    assert.equal(watchCalls(kube).length, 0)
  })

  it('reports a kill once when both the watch and the next poll list see the pod', async () => {
    const n = notices()
    const c = make({ onWatchNotice: n.on })
    await collectOnce(c)
    await kube.waitForWatches(1)
    kube.podEvent('MODIFIED', oomKilled(obj('pod-taskmanager-running'), '2026-01-01T00:06:00Z'))
    await n.until((x) => x.kind === 'event' && x.type === 'MODIFIED')
    const second = await collectOnce(c)
    assert.deepEqual(second.incidents.map((i) => i.kind), ['taskmanager-oom-killed'])
    assert.deepEqual((await collectOnce(c)).incidents, [])
  })

  for (const goneAs of ['event', 'http'] as const) {
    it(`re-lists and watches again on 410 Gone (${goneAs === 'event' ? 'ERROR event' : 'HTTP 410'})`, async () => {
      const registry = new Registry()
      const n = notices()
      const c = make({ onWatchNotice: n.on, registry })
      await collectOnce(c)
      await kube.waitForWatches(1)
      kube.goneAs = goneAs
      kube.bookmark()
      await n.until((x) => x.kind === 'bookmark')
      // While the watch is away, history is compacted and a TaskManager is OOM-killed (the pod stays).
      kube.compact()
      const killed = oomKilled(obj('pod-taskmanager-running'), '2026-01-01T00:07:00Z')
      kube.objects.pods.splice(0, 1, { ...killed, metadata: { ...killed.metadata, resourceVersion: String(kube.resourceVersion) } })
      kube.endWatches()
      await n.until((x) => x.kind === 'gone')
      await kube.waitForWatches(3)

      const watches = watchCalls(kube)
      assert.deepEqual(watches.map((u) => u.searchParams.get('resourceVersion')), ['1000', '1000', '1001'], 'resumed from 1000, got 410, re-listed and watched from the new version')
      const watchIdx = kube.calls.flatMap((c, i) => (c.path.includes('watch=true') ? [i] : []))
      const gone = watchIdx[1]!
      const relist = kube.calls.findIndex((c, i) => i > gone && c.path === '/api/v1/namespaces/streaming/pods?labelSelector=component%3Dtaskmanager')
      const rewatch = kube.calls.findIndex((c, i) => i > relist && c.path.includes('watch=true'))
      assert.ok(relist > gone && rewatch > relist, 'a list between the 410 and the new watch')
      assert.equal(n.count((x) => x.kind === 'listed'), 1)
      await n.until((x) => x.kind === 'listed')

      const snap = await collectOnce(c)
      assert.deepEqual(snap.incidents.map((i) => `${i.kind} ${i.subject}`), ['taskmanager-oom-killed streaming/orders-taskmanager-1-4'])
      assert.deepEqual(snap.warnings, [], '410 is routine, not a warning')
      assert.match(await registry.getSingleMetricAsString('flinkwatch_kubernetes_pod_watch_errors_total'), /cluster="k8s-prod",reason="gone"\} 1/)
    })
  }

  it('survives watch stream errors: counts them, backs off on the clock, resumes from the last resourceVersion', async () => {
    const registry = new Registry()
    const n = notices()
    const c = make({ onWatchNotice: n.on, registry })
    await collectOnce(c)
    await kube.waitForWatches(1)

    // A line that is not JSON and an event whose object is not a pod: skipped and counted, the stream goes on.
    kube.sendToWatches('{"type":"MODIFIED","object":')
    kube.sendToWatches(JSON.stringify({ type: 'MODIFIED', object: { metadata: {} } }))
    const pod = kube.podEvent('MODIFIED', obj('pod-taskmanager-running'))
    await n.until((x) => x.kind === 'event' && x.type === 'MODIFIED')
    assert.equal(pod.metadata.resourceVersion, '1001')

    // The connection breaks: no new watch until the backoff (1 s ± 20 %) has passed on the injected clock.
    kube.cutWatches()
    await n.until((x) => x.kind === 'error' && x.reason === 'connect')
    await flushMicrotasks()
    assert.equal(kube.watchRequests, 1)
    kube.watchAnswers.push({ status: 500, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'etcdserver: request timed out', reason: 'InternalError', code: 500 } })
    await clock.advance(1000)
    await kube.waitForWatches(2)
    await n.until((x) => x.kind === 'error' && x.reason === 'http_5xx')
    // Second failure in a row: 2 s ± 20 %.
    await clock.advance(1500)
    await flushMicrotasks()
    assert.equal(kube.watchRequests, 2)
    await clock.advance(1000)
    await kube.waitForWatches(3)
    assert.deepEqual(watchCalls(kube).map((u) => u.searchParams.get('resourceVersion')), ['1000', '1001', '1001'])

    // The watch works again: a kill it reports is an incident; the errors are warnings of the next poll.
    const killed = oomKilled(obj('pod-taskmanager-running'), '2026-01-01T00:08:00Z')
    kube.podEvent('MODIFIED', killed)
    kube.podEvent('DELETED', killed)
    await n.until((x) => x.kind === 'event' && x.type === 'DELETED')
    const snap = await collectOnce(c)
    assert.deepEqual(snap.incidents.map((i) => i.kind), ['taskmanager-oom-killed'])
    assert.deepEqual(snap.warnings?.map((w) => w.reason).sort(), ['connect', 'decode', 'decode', 'http_5xx'])
    assert.match(snap.warnings?.find((w) => w.reason === 'http_5xx')?.message ?? '', /pod watch of namespace streaming: .*HTTP 500.*etcdserver: request timed out/)
    const metric = await registry.getSingleMetricAsString('flinkwatch_kubernetes_pod_watch_errors_total')
    assert.match(metric, /reason="decode"\} 2/)
    assert.match(metric, /reason="connect"\} 1/)
    assert.match(metric, /reason="http_5xx"\} 1/)
    assert.match(await registry.getSingleMetricAsString('flinkwatch_platform_payload_errors_total'), /platform="kubernetes",resource="pods"\} 2/)
  })

  it('follows bookmarks and resumes at once after the server ends the stream', async () => {
    const n = notices()
    const c = make({ onWatchNotice: n.on })
    await collectOnce(c)
    await kube.waitForWatches(1)
    // A JobManager pod changes: not in the watch's selection, but the resourceVersion moves on.
    kube.podEvent('ADDED', obj('pod-jobmanager-native'))
    kube.bookmark()
    await n.until((x) => x.kind === 'bookmark')
    kube.endWatches()
    await kube.waitForWatches(2)
    assert.deepEqual(watchCalls(kube).map((u) => u.searchParams.get('resourceVersion')), ['1000', '1001'])
    assert.equal(n.count((x) => x.kind === 'error'), 0)
  })

  it('stops on close(), and by itself when no poll renews it', async () => {
    const n = notices()
    const c = make({ onWatchNotice: n.on })
    await collectOnce(c)
    await kube.waitForWatches(1)
    // No poll for three intervals (3 × 10 s): the fleet stopped polling, the watch goes.
    await clock.advance(30_000)
    await n.until((x) => x.kind === 'stopped')
    await collectOnce(c)
    await kube.waitForWatches(2)
    await c.close?.()
    assert.equal(n.count((x) => x.kind === 'stopped'), 2)
    assert.equal(clock.pendingTimers, 0, 'no backoff, lease or request timer left behind')
  })
})
