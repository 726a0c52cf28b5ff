import { after, afterEach, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Registry } from 'prom-client'
import { createYarnCollector } from '../../../../platforms/yarn/yarn-collector.js'
import { validateConfig } from '../../../../src/config/load.js'
import type { YarnClusterConfig } from '../../../../src/config/sections/clusters.js'
import { createLogger } from '../../../../src/core/logger.js'
import type { ClusterSnapshot } from '../../../../src/model/cluster.js'
import { FakeClock } from '../../../helpers/fake-clock.js'
import { FakeJobManager } from '../../../fakes/flink-jobmanager.js'
import { FakeResourceManager } from '../../../fakes/yarn-rm.js'
import { fixture } from '../../../fakes/http-util.js'

const APP = 'application_1700000000000_0042'
const JOB = 'a5d0c1e2f3a4b5c6d7e8f9a0b1c2d3e4'
const logger = createLogger({ level: 'silent' })

function yarnConfig(url: string, extra: Record<string, unknown> = {}): YarnClusterConfig {
  const c = validateConfig({ server: { host: '127.0.0.1', port: 0 }, clusters: [{ id: 'yarn-eu', type: 'yarn', url, ...extra }] })
  return c.clusters[0] as YarnClusterConfig
}

const collectOnce = (c: ReturnType<typeof createYarnCollector>): Promise<ClusterSnapshot> => c.collect(new AbortController().signal)

describe('YARN collector', () => {
  let rm: FakeResourceManager
  const jms: FakeJobManager[] = []
  const jm = async (state = 'RUNNING', jid = JOB, name = 'orders-enrichment'): Promise<FakeJobManager> => {
    const j = await new FakeJobManager([{ jid, name, state, startTime: 1767225010000 }]).start()
    jms.push(j)
    return j
  }

  beforeEach(async () => {
    rm = await new FakeResourceManager().start()
  })
  afterEach(async () => {
    await rm.close()
    await Promise.all(jms.splice(0).map((j) => j.close()))
  })
  after(() => undefined)

  it('discovers Flink applications with the documented query and reads each JobManager through the RM proxy', async () => {
    const jm1 = await jm()
    rm.addRunningApp(APP, jm1)
    rm.apps.set('application_1700000000000_0043', { ...fixture('yarn/app-flink-accepted.json'), id: 'application_1700000000000_0043', state: 'ACCEPTED' })
    const c = createYarnCollector(yarnConfig(rm.url, { user: 'flink' }), { clock: new FakeClock(), logger })
    const snap = await collectOnce(c)

    const list = rm.calls.find((x) => x.path.startsWith('/ws/v1/cluster/apps?'))!
    const q = new URL(list.path, 'http://x').searchParams
    assert.equal(q.get('applicationTypes'), 'Apache Flink')
    assert.equal(q.get('states'), 'NEW,NEW_SAVING,SUBMITTED,ACCEPTED,RUNNING')
    assert.equal(q.get('user'), 'flink')
    assert.ok(rm.calls.some((x) => x.path === `/proxy/${APP}/jobs/overview`), 'Flink read through /proxy/<appId>/')

    assert.equal(snap.cluster.type, 'yarn')
    assert.equal(snap.cluster.id, 'yarn-eu')
    assert.equal(snap.cluster.version, '1.19.1')
    assert.equal(snap.cluster.taskManagers, 2)
    assert.deepEqual(snap.cluster.slots, { total: 4, available: 1 })
    assert.deepEqual(snap.cluster.jobs, { total: 1, running: 1 })
    assert.equal(snap.cluster.jobManagerUrl, `${rm.url}/proxy/${APP}/`)
    assert.equal(snap.jobs.length, 1, 'the ACCEPTED application has no JobManager yet and no jobs')
    const job = snap.jobs[0]!
    assert.equal(job.cluster, 'yarn-eu')
    assert.equal(job.jobId, JOB)
    assert.equal(job.state, 'RUNNING')
    assert.equal(job.platform?.applicationId, APP)
    assert.equal(job.platform?.attempt, 1)
    assert.equal(job.platform?.jobManagerAddress, jm1.address)
    assert.deepEqual(snap.incidents, [])
  })

  it('answers "apps": null with an empty fleet, not an error', async () => {
    const c = createYarnCollector(yarnConfig(rm.url), { clock: new FakeClock(), logger })
    const snap = await collectOnce(c)
    assert.deepEqual(snap.jobs, [])
    assert.deepEqual(snap.cluster.jobs, { total: 0, running: 0 })
  })

  for (const access of ['proxy', 'direct'] as const) {
    it(`follows a JobManager failover to a new host:port (${access}): RECONCILING in the ACCEPTED gap, one incident`, async () => {
      const jm1 = await jm()
      rm.addRunningApp(APP, jm1)
      const c = createYarnCollector(yarnConfig(rm.url, { jobManagerAccess: access }), { clock: new FakeClock(), logger })
      assert.equal((await collectOnce(c)).jobs[0]?.state, 'RUNNING')
      if (access === 'direct') assert.ok(jm1.calls.some((x) => x.path === '/jobs/overview'))

      // The JobManager container dies; YARN starts attempt 2 (RUNNING → ACCEPTED).
      const oldAddress = jm1.address
      rm.loseJobManager(APP)
      await jm1.close()
      for (let i = 0; i < 4; i++) {
        const gap = await collectOnce(c)
        assert.equal(gap.jobs.length, 1, 'the job stays visible during the gap')
        assert.equal(gap.jobs[0]!.state, 'RECONCILING', 'never FAILED while the new attempt starts')
        assert.deepEqual(gap.incidents, [])
      }

      // Attempt 2 registers on another node and port.
      const jm2 = await jm()
      assert.notEqual(jm2.address, oldAddress)
      rm.attachJobManager(APP, jm2, 2)
      const back = await collectOnce(c)
      assert.equal(back.jobs[0]!.state, 'RUNNING')
      assert.equal(back.jobs[0]!.platform?.attempt, 2)
      assert.equal(back.jobs[0]!.platform?.jobManagerAddress, jm2.address)
      assert.equal(back.incidents.length, 1)
      const inc = back.incidents[0]!
      assert.equal(inc.kind, 'jobmanager-failover')
      assert.equal(inc.cluster, 'yarn-eu')
      assert.equal(inc.subject, jm2.address)
      assert.match(inc.message, new RegExp(`${APP}.*from ${oldAddress} to ${jm2.address}.*attempt 2`))
      assert.equal(inc.jobName, 'orders-enrichment')
      assert.ok(jm2.calls.some((x) => x.path === '/jobs/overview'), 'the new JobManager is read')
      if (access === 'direct') assert.equal(back.cluster.jobManagerUrl, `http://${jm2.address}/`)

      assert.deepEqual((await collectOnce(c)).incidents, [], 'the failover is reported once')
    })
  }

  it('sees a failover that happened between two polls (no ACCEPTED observed) from the new address and attempt', async () => {
    const jm1 = await jm()
    rm.addRunningApp(APP, jm1)
    const c = createYarnCollector(yarnConfig(rm.url), { clock: new FakeClock(), logger })
    await collectOnce(c)
    const jm2 = await jm()
    rm.attachJobManager(APP, jm2, 2)
    const snap = await collectOnce(c)
    assert.equal(snap.incidents.length, 1)
    assert.equal(snap.incidents[0]!.kind, 'jobmanager-failover')
    assert.equal(snap.jobs[0]!.state, 'RUNNING')
  })

  const endings: [string, 'FINISHED' | 'FAILED' | 'KILLED', string, string][] = [
    ['killed', 'KILLED', 'KILLED', 'CANCELED'],
    ['failed after its last attempt', 'FAILED', 'FAILED', 'FAILED'],
    ['finished successfully', 'FINISHED', 'SUCCEEDED', 'FINISHED'],
    ['finished without a job result', 'FINISHED', 'UNDEFINED', 'SUSPENDED'],
  ]
  for (const [what, state, finalStatus, expected] of endings) {
    it(`maps an application that ${what} (${state}/${finalStatus}) to ${expected} for its running jobs`, async () => {
      const jm1 = await jm()
      rm.addRunningApp(APP, jm1)
      const c = createYarnCollector(yarnConfig(rm.url), { clock: new FakeClock(), logger })
      await collectOnce(c)
      rm.finish(APP, state, finalStatus)
      const snap = await collectOnce(c)
      assert.ok(rm.calls.some((x) => x.method === 'GET' && x.path === `/ws/v1/cluster/apps/${APP}`), 'looked up the application that left the active list')
      assert.equal(snap.jobs[0]?.state, expected)
      assert.equal(snap.jobs[0]?.platform?.platformState, `${state}/${finalStatus}`)
      const calls = rm.calls.length
      await collectOnce(c)
      assert.equal(rm.calls.filter((x) => x.path.startsWith(`/ws/v1/cluster/apps/${APP}`)).length, rm.calls.slice(0, calls).filter((x) => x.path.startsWith(`/ws/v1/cluster/apps/${APP}`)).length, 'a finished application is looked up once')
    })
  }

  it('keeps a job Flink already reported terminal in its Flink state when the application ends', async () => {
    const jm1 = await jm('FAILED')
    rm.addRunningApp(APP, jm1)
    const c = createYarnCollector(yarnConfig(rm.url), { clock: new FakeClock(), logger })
    await collectOnce(c)
    rm.finish(APP, 'FINISHED', 'UNDEFINED')
    assert.equal((await collectOnce(c)).jobs[0]?.state, 'FAILED')
  })

  it('drops the jobs of a finished application after an hour', async () => {
    const clock = new FakeClock()
    rm.addRunningApp(APP, await jm())
    const c = createYarnCollector(yarnConfig(rm.url), { clock, logger })
    await collectOnce(c)
    rm.finish(APP, 'KILLED', 'KILLED')
    rm.apps.get(APP)!['finishedTime'] = clock.now()
    assert.equal((await collectOnce(c)).jobs.length, 1)
    await clock.advance(3_600_001)
    assert.equal((await collectOnce(c)).jobs.length, 0)
  })

  it('rejects a truncated application list with a clear, non-crashing error', async () => {
    rm.overrides.set('/ws/v1/cluster/apps', { status: 200, body: '{"apps":{"app":[{"id":"application_1' })
    const c = createYarnCollector(yarnConfig(rm.url), { clock: new FakeClock(), logger })
    await assert.rejects(collectOnce(c), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_DECODE')
      assert.match(err.message, /YARN ResourceManager answered \/ws\/v1\/cluster\/apps with a body that is not JSON/)
      return true
    })
  })

  it('skips and counts a malformed application entry, keeping the others', async () => {
    const jm1 = await jm()
    rm.addRunningApp(APP, jm1)
    const good = rm.apps.get(APP)!
    rm.overrides.set('/ws/v1/cluster/apps', { status: 200, body: JSON.stringify({ apps: { app: [{ id: 'application_1700000000000_0099', state: 7 }, good] } }) })
    const registry = new Registry()
    const c = createYarnCollector(yarnConfig(rm.url), { clock: new FakeClock(), logger, registry })
    const snap = await collectOnce(c)
    assert.equal(snap.jobs.length, 1)
    assert.equal(snap.warnings?.length, 1, JSON.stringify(snap.warnings))
    assert.equal(snap.warnings![0]!.reason, 'decode')
    assert.match(snap.warnings![0]!.message, /application_1700000000000_0099.*\/state/)
    const metric = await registry.getSingleMetricAsString('flinkwatch_platform_payload_errors_total')
    assert.match(metric, /flinkwatch_platform_payload_errors_total\{platform="yarn",resource="apps"\} 1/)
  })

  it('keeps the last state while one JobManager is unreachable, UNKNOWN after downAfter failed reads', async () => {
    const jm1 = await jm()
    rm.addRunningApp(APP, jm1)
    const c = createYarnCollector(yarnConfig(rm.url, { jobManagerAccess: 'direct', downAfter: 2 }), { clock: new FakeClock(), logger })
    await collectOnce(c)
    await jm1.close()
    const s1 = await collectOnce(c)
    assert.equal(s1.jobs[0]!.state, 'RUNNING')
    assert.equal(s1.warnings?.[0]?.reason, 'connect')
    assert.match(s1.warnings![0]!.message, new RegExp(`JobManager of ${APP} could not be read`))
    assert.equal((await collectOnce(c)).jobs[0]!.state, 'UNKNOWN')
  })

  it('explains why direct access fails without amRPCAddress', async () => {
    rm.addRunningApp(APP, await jm())
    delete rm.apps.get(APP)!['amRPCAddress']
    const c = createYarnCollector(yarnConfig(rm.url, { jobManagerAccess: 'direct' }), { clock: new FakeClock(), logger })
    const snap = await collectOnce(c)
    assert.match(snap.warnings?.[0]?.message ?? '', /no amRPCAddress.*use jobManagerAccess: proxy/)
  })

  it('fails the poll (cluster probe) when the RM is unreachable', async () => {
    const url = rm.url
    await rm.close()
    const c = createYarnCollector(yarnConfig(url), { clock: new FakeClock(), logger })
    await assert.rejects(collectOnce(c), (err: Error & { retriable?: boolean }) => err.retriable === true && /YARN ResourceManager unreachable/.test(err.message))
    rm = await new FakeResourceManager().start()
  })
})
