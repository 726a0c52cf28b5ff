import { afterEach, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createKubernetesCollector } from '../../../../platforms/kubernetes/kubernetes-collector.js'
import type { JobManagerRead, JobManagerView } from '../../../../platforms/flink/flink-read.js'
import type { Collector } from '../../../../collectors/collector.js'
import { validateConfig } from '../../../../src/config/load.js'
import type { KubernetesClusterConfig } from '../../../../src/config/sections/clusters.js'
import { UpstreamError } from '../../../../src/core/errors.js'
import { createLogger } from '../../../../src/core/logger.js'
import type { ClusterSnapshot } from '../../../../src/model/cluster.js'
import { platformOnlyJob, type CheckpointInfo, type CheckpointStats, type JobSnapshot } from '../../../../src/model/job.js'
import { FakeClock } from '../../../helpers/fake-clock.js'
import { fixture } from '../../../fakes/http-util.js'
import { FakeKubeApiServer, TEST_CA, type KubeObject } from '../../../fakes/kube-apiserver.js'

const logger = createLogger({ level: 'silent' })
const APP_JOB = '7f4c2a9e1b3d5f7a9c1e3b5d7f9a1c3e'
const PAYMENTS_JOB = '5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a'
const SESSION_JOB = 'c11c5c11c5c11c5c11c5c11c5c11c5c1'

const obj = (name: string): KubeObject => structuredClone(fixture<KubeObject>(`k8s/${name}.json`))
const collectOnce = (c: Collector): Promise<ClusterSnapshot> => c.collect(new AbortController().signal)

/** What an operator-only record looks like in the model: no id, duration or size from the operator. */
const op = (completedAt: number, externalPath: string | null, isSavepoint: boolean): CheckpointInfo => ({ id: 0, completedAt, durationMs: 0, sizeBytes: 0, externalPath, isSavepoint })

const restStats = (o: Partial<CheckpointStats> = {}): CheckpointStats => ({
  completed: 12,
  failed: 3,
  inProgress: 0,
  intervalMs: 60_000,
  lastCompleted: { id: 12, completedAt: Date.UTC(2026, 0, 1, 0, 30), durationMs: 1800, sizeBytes: 4_194_304, externalPath: 's3://flink/checkpoints/5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a/chk-12', isSavepoint: false },
  lastSavepoint: null,
  lastFailedAt: Date.UTC(2026, 0, 1, 0, 20),
  lastFailureMessage: 'Checkpoint expired before completing.',
  ...o,
})

/** A JobManager read stub: one job with the given checkpoint statistics, or unreachable. */
function jobManager(): { read: JobManagerRead; checkpoints: CheckpointStats | null; reachable: boolean } {
  const s = {
    checkpoints: restStats() as CheckpointStats | null,
    reachable: true,
    read: (async (target) => {
      if (!s.reachable) throw new UpstreamError('JobManager', target.baseUrl, 'JobManager unreachable: ECONNREFUSED')
      const job: JobSnapshot = { ...platformOnlyJob(target.clusterId, PAYMENTS_JOB, 'payments-ledger', 'RUNNING', 1767171600000, {}), checkpoints: s.checkpoints }
      delete job.platform
      return { version: '1.18.1', taskManagers: 1, slots: { total: 2, available: 0 }, jobs: [job], warnings: [], requests: 4 } satisfies JobManagerView
    }) as JobManagerRead,
  }
  return s
}

describe('Kubernetes collector: operator savepoints and checkpoints', () => {
  let kube: FakeKubeApiServer
  const collectors: Collector[] = []
  const make = (deps: Partial<Parameters<typeof createKubernetesCollector>[1]> = {}): Collector => {
    const config = validateConfig({ server: { host: '127.0.0.1', port: 0 }, clusters: [{ id: 'k8s-prod', type: 'kubernetes', url: kube.url, token: 'sa-token', caFile: TEST_CA, namespaces: ['streaming'] }] }).clusters[0] as KubernetesClusterConfig
    const c = createKubernetesCollector(config, { clock: new FakeClock(), logger, watchPods: false, ...deps })
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
  })

  it('maps status.jobStatus savepointInfo and checkpointInfo when the JobManager cannot be read', async () => {
    kube.add('flinkdeployments', obj('flinkdeployment-snapshot-info'))
    const snap = await collectOnce(make())
    const job = snap.jobs.find((j) => j.jobId === PAYMENTS_JOB)
    assert.ok(job, 'the job comes from status.jobStatus')
    assert.deepEqual(job.checkpoints, {
      completed: 0,
      failed: 0,
      inProgress: 0,
      intervalMs: null,
      // checkpointInfo.lastCheckpoint: no location in the operator's Checkpoint, so never a restore point.
      lastCompleted: op(1767222000000, null, false),
      // The newest of lastSavepoint and savepointHistory.
      lastSavepoint: op(1767214800000, 's3://flink/savepoints/payments/savepoint-5a5a5a-000000000002', true),
      lastFailedAt: null,
      lastFailureMessage: null,
    })
    assert.match(snap.warnings?.[0]?.message ?? '', /JobManager of streaming\/payments could not be read/)
  })

  it('takes the newest savepoint from savepointHistory and skips an entry that is not a Savepoint', async () => {
    const d = obj('flinkdeployment-snapshot-info') as KubeObject & { status: { jobStatus: { savepointInfo: { lastSavepoint: unknown; savepointHistory: unknown[] } } } }
    const info = d.status.jobStatus.savepointInfo
    info.lastSavepoint = null
    info.savepointHistory.push({ timeStamp: 'yesterday', location: 's3://broken' })
    d.status.jobStatus.savepointInfo = info
    kube.add('flinkdeployments', d)
    const snap = await collectOnce(make())
    assert.deepEqual(snap.jobs[0]?.checkpoints?.lastSavepoint, op(1767214800000, 's3://flink/savepoints/payments/savepoint-5a5a5a-000000000002', true))
    const w = snap.warnings?.find((x) => x.reason === 'decode')
    assert.match(w?.message ?? '', /FlinkDeployment streaming\/payments status\.jobStatus\.savepointInfo\.savepointHistory\[2\] skipped/)
  })

  it('maps the operator savepoint of a deployment whose JobManager is not deployed yet', async () => {
    const d = obj('flinkdeployment-application') as KubeObject & { status: Record<string, unknown> }
    d.status['jobManagerDeploymentStatus'] = 'DEPLOYING'
    kube.add('flinkdeployments', d)
    const job = (await collectOnce(make())).jobs[0]!
    assert.equal(job.jobId, APP_JOB)
    assert.equal(job.checkpoints?.lastCompleted, null, 'checkpointInfo.lastCheckpoint is null')
    assert.deepEqual(job.checkpoints?.lastSavepoint, op(1767225300000, 's3://flink/savepoints/savepoint-7f4c2a-0123456789ab', true))
  })

  it('reads COMPLETED FlinkStateSnapshots (operator 1.10+) by jobReference, newest first', async () => {
    const d = obj('flinkdeployment-application') as KubeObject & { status: Record<string, unknown> }
    d.status['jobManagerDeploymentStatus'] = 'DEPLOYING'
    kube.add('flinkdeployments', d)
    kube.add('flinkstatesnapshots', obj('flinkstatesnapshot-savepoint'))
    kube.add('flinkstatesnapshots', obj('flinkstatesnapshot-checkpoint'))
    // Not restore points: failed, abandoned, in progress, and a newer savepoint of another resource.
    const variant = (name: string, status: Record<string, unknown>, ref?: Record<string, string>): KubeObject => {
      const s = obj('flinkstatesnapshot-savepoint') as KubeObject & { spec: Record<string, unknown>; status: Record<string, unknown> }
      s.metadata = { ...s.metadata, name, uid: `u-${name}` }
      s.status = { ...s.status, resultTimestamp: '2026-01-01T00:50:00Z', ...status }
      if (ref) s.spec = { ...s.spec, jobReference: ref }
      return s
    }
    kube.add('flinkstatesnapshots', variant('orders-savepoint-manual-2', { state: 'FAILED', path: null, error: 'Checkpoint Coordinator is suspending.', failures: 2 }))
    kube.add('flinkstatesnapshots', variant('orders-savepoint-manual-3', { state: 'ABANDONED', path: null, error: 'Secondary resource orders for savepoint is not running' }))
    kube.add('flinkstatesnapshots', variant('orders-savepoint-manual-4', { state: 'IN_PROGRESS', path: null, resultTimestamp: null }))
    kube.add('flinkstatesnapshots', variant('clicks-savepoint-manual-1', { path: 's3://flink/savepoints/clicks' }, { kind: 'FlinkSessionJob', name: 'clicks' }))
    const snap = await collectOnce(make())
    assert.ok(kube.calls.some((c) => c.path === '/apis/flink.apache.org/v1beta1/namespaces/streaming/flinkstatesnapshots'))
    const cp = snap.jobs.find((j) => j.jobId === APP_JOB)?.checkpoints
    // The snapshot resource (00:10:12.5) is newer than status.jobStatus.savepointInfo.lastSavepoint (23:55 the day before).
    assert.deepEqual(cp?.lastSavepoint, op(Date.parse('2026-01-01T00:10:12.500Z'), 's3://flink/savepoints/savepoint-7f4c2a-89abcdef0123', true))
    assert.deepEqual(cp?.lastCompleted, op(Date.parse('2026-01-01T00:20:03Z'), 's3://flink/checkpoints/7f4c2a9e1b3d5f7a9c1e3b5d7f9a1c3e/chk-42', false))
    assert.deepEqual(snap.warnings, [])
  })

  it('gives a FlinkSessionJob its own snapshots when its session JobManager cannot be read', async () => {
    kube.add('flinkdeployments', obj('flinkdeployment-session'))
    kube.add('flinksessionjobs', obj('flinksessionjob'))
    const s = obj('flinkstatesnapshot-savepoint') as KubeObject & { spec: Record<string, unknown> }
    s.spec = { ...s.spec, jobReference: { kind: 'FlinkSessionJob', name: 'clicks' } }
    kube.add('flinkstatesnapshots', s)
    const snap = await collectOnce(make())
    const job = snap.jobs.find((j) => j.jobId === SESSION_JOB)
    assert.deepEqual(job?.platform?.kubernetes, { kind: 'FlinkSessionJob', namespace: 'streaming', name: 'clicks', deployment: 'shared-session' })
    assert.deepEqual(job?.checkpoints?.lastSavepoint, op(Date.parse('2026-01-01T00:10:12.500Z'), 's3://flink/savepoints/savepoint-7f4c2a-89abcdef0123', true))
    assert.equal(job?.checkpoints?.lastCompleted, null)
  })

  it('keeps REST authoritative for checkpoints and fills lastSavepoint from the operator when REST has none', async () => {
    kube.add('flinkdeployments', obj('flinkdeployment-snapshot-info'))
    const jm = jobManager()
    const snap = await collectOnce(make({ readFlink: jm.read }))
    const cp = snap.jobs.find((j) => j.jobId === PAYMENTS_JOB)?.checkpoints
    assert.deepEqual(cp, { ...restStats(), lastSavepoint: op(1767214800000, 's3://flink/savepoints/payments/savepoint-5a5a5a-000000000002', true) })
  })

  it('keeps a REST savepoint newer than the operator one', async () => {
    kube.add('flinkdeployments', obj('flinkdeployment-snapshot-info'))
    const jm = jobManager()
    const restSavepoint: CheckpointInfo = { id: 13, completedAt: Date.UTC(2026, 0, 1, 0, 40), durationMs: 2500, sizeBytes: 4_200_000, externalPath: 's3://flink/savepoints/payments/savepoint-5a5a5a-000000000003', isSavepoint: true }
    jm.checkpoints = restStats({ lastSavepoint: restSavepoint })
    const cp = (await collectOnce(make({ readFlink: jm.read }))).jobs[0]?.checkpoints
    assert.deepEqual(cp, restStats({ lastSavepoint: restSavepoint }))
  })

  it('uses the operator checkpoints for a job whose JobManager has no checkpoint statistics', async () => {
    kube.add('flinkdeployments', obj('flinkdeployment-snapshot-info'))
    const jm = jobManager()
    jm.checkpoints = null
    const cp = (await collectOnce(make({ readFlink: jm.read }))).jobs[0]?.checkpoints
    assert.equal(cp?.intervalMs, null)
    assert.deepEqual(cp?.lastSavepoint, op(1767214800000, 's3://flink/savepoints/payments/savepoint-5a5a5a-000000000002', true))
    assert.deepEqual(cp?.lastCompleted, op(1767222000000, null, false))
  })

  it('keeps the last REST figures of the same job while its JobManager cannot be read', async () => {
    kube.add('flinkdeployments', obj('flinkdeployment-snapshot-info'))
    const jm = jobManager()
    const c = make({ readFlink: jm.read })
    await collectOnce(c)
    jm.reachable = false
    const snap = await collectOnce(c)
    const cp = snap.jobs.find((j) => j.jobId === PAYMENTS_JOB)?.checkpoints
    assert.deepEqual(cp, {
      // Flink's counters stay where they were: no false increase when the JobManager answers again.
      ...restStats(),
      inProgress: 0,
      // Without the JobManager nobody can tell whether checkpoints are late.
      intervalMs: null,
      // REST's checkpoint (00:30, with its path) is newer than the operator's (23:00 the day before).
      lastCompleted: restStats().lastCompleted,
      lastSavepoint: op(1767214800000, 's3://flink/savepoints/payments/savepoint-5a5a5a-000000000002', true),
    })
  })

  it('reads savepointInfo only, without a warning, when the operator has no FlinkStateSnapshot CRD (before 1.10)', async () => {
    kube.stateSnapshotCrdInstalled = false
    const d = obj('flinkdeployment-application') as KubeObject & { status: Record<string, unknown> }
    d.status['jobManagerDeploymentStatus'] = 'DEPLOYING'
    kube.add('flinkdeployments', d)
    const c = make()
    const first = await collectOnce(c)
    assert.deepEqual(first.warnings, [])
    assert.equal(first.jobs[0]?.checkpoints?.lastSavepoint?.externalPath, 's3://flink/savepoints/savepoint-7f4c2a-0123456789ab')
    await collectOnce(c)
    assert.equal(kube.calls.filter((x) => x.path.includes('flinkstatesnapshots')).length, 1, 'not asked again every poll')
  })

  it('does not fail the poll when FlinkStateSnapshots cannot be read', async () => {
    kube.add('flinkdeployments', obj('flinkdeployment-snapshot-info'))
    kube.overrides.set('/apis/flink.apache.org/v1beta1/namespaces/streaming/flinkstatesnapshots', { status: 403, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'flinkstatesnapshots.flink.apache.org is forbidden: User "system:serviceaccount:streaming:flinkwatch" cannot list resource "flinkstatesnapshots"', reason: 'Forbidden', code: 403 }) })
    const snap = await collectOnce(make())
    assert.equal(snap.jobs[0]?.checkpoints?.lastSavepoint?.externalPath, 's3://flink/savepoints/payments/savepoint-5a5a5a-000000000002')
    assert.match(snap.warnings?.find((w) => w.reason === 'http_4xx')?.message ?? '', /FlinkStateSnapshots of namespace streaming unreadable: .*403.*cannot list resource "flinkstatesnapshots"/)
  })
})
