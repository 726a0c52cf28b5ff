import { afterEach, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createYarnActions } from '../../../platforms/yarn/yarn-actions.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { FakeJobManager } from '../../fakes/flink-jobmanager.js'
import { FakeResourceManager } from '../../fakes/yarn-rm.js'

const APP = 'application_1700000000000_0042'
const JOB = 'a5d0c1e2f3a4b5c6d7e8f9a0b1c2d3e4'

describe('YARN lifecycle actions', () => {
  let rm: FakeResourceManager
  let jm: FakeJobManager
  let clock: FakeClock
  beforeEach(async () => {
    rm = await new FakeResourceManager().start()
    jm = await new FakeJobManager([{ jid: JOB, name: 'orders', state: 'RUNNING', startTime: 1767225010000 }]).start()
    rm.addRunningApp(APP, jm)
    clock = new FakeClock()
  })
  afterEach(async () => {
    await rm.close()
    await jm.close()
  })
  const actions = (extra: { user?: string } = {}) => createYarnActions({ url: rm.url, timeoutMs: 600_000, clock, killPollMs: 1000, ...extra })

  it('kills the application with PUT {"state":"KILLED"} and repeats while the RM answers 202', async () => {
    rm.requireUserName = true
    const done = actions({ user: 'flink' }).kill(APP)
    let settled = false
    void done.finally(() => (settled = true)).catch(() => undefined)
    // Drive the fake clock until the kill completes; request timeouts (10 min) never fire meanwhile.
    while (!settled) {
      await clock.advance(1000)
      await new Promise((r) => setImmediate(r))
    }
    assert.deepEqual(await done, { state: 'KILLED' })
    const puts = rm.calls.filter((c) => c.method === 'PUT')
    assert.equal(puts.length, 2, 'first 202, then 200')
    for (const p of puts) {
      assert.equal(p.path, `/ws/v1/cluster/apps/${APP}/state?user.name=flink`)
      assert.deepEqual(JSON.parse(p.body), { state: 'KILLED' })
    }
    assert.equal(rm.apps.get(APP)!.state, 'KILLED')
  })

  it('reports the RM refusing an unauthenticated kill', async () => {
    rm.requireUserName = true
    await assert.rejects(actions().kill(APP), (err: Error & { status?: number }) => err.status === 403 && /user not authenticated/.test(err.message))
  })

  it('cancels a job with GET /jobs/:id/yarn-cancel through the RM proxy (the proxy refuses PATCH)', async () => {
    await actions().cancel({ applicationId: APP, jobId: JOB })
    assert.deepEqual(rm.calls.map((c) => `${c.method} ${c.path}`), [`GET /proxy/${APP}/jobs/${JOB}/yarn-cancel`])
    assert.deepEqual(jm.calls.map((c) => `${c.method} ${c.path}`), [`GET /jobs/${JOB}/yarn-cancel`])
    assert.equal(jm.jobs[0]!.state, 'CANCELED')
    await assert.rejects(actions().cancel({ applicationId: APP, jobId: JOB }), /already terminal/)
  })

  it('triggers a savepoint directly at the JobManager address the RM reports now, and reads its status through the proxy', async () => {
    const a = actions()
    const { triggerId } = await a.triggerSavepoint({ applicationId: APP, jobId: JOB }, { targetDirectory: 'hdfs:///flink/savepoints' })
    assert.match(triggerId, /^[0-9a-f]{32}$/)
    assert.ok(rm.calls.some((c) => c.method === 'GET' && c.path === `/ws/v1/cluster/apps/${APP}`), 'resolved amRPCAddress at the RM')
    assert.ok(!rm.calls.some((c) => c.method === 'POST'), 'no POST through the proxy')
    const post = jm.calls.find((c) => c.method === 'POST')!
    assert.equal(post.path, `/jobs/${JOB}/savepoints`)
    assert.deepEqual(JSON.parse(post.body), { 'target-directory': 'hdfs:///flink/savepoints', 'cancel-job': false, triggerId })
    const st = await a.savepointStatus({ applicationId: APP, jobId: JOB }, triggerId)
    assert.equal(st.status, 'COMPLETED')
    assert.match((st as { location: string }).location, /^hdfs:\/\/\/flink\/savepoints\/savepoint-/)
    assert.ok(rm.calls.some((c) => c.path === `/proxy/${APP}/jobs/${JOB}/savepoints/${triggerId}`))
  })

  it('stops with a savepoint (drain) at the JobManager, after it moved in a failover', async () => {
    const jm2 = await new FakeJobManager(jm.jobs).start()
    try {
      rm.attachJobManager(APP, jm2, 2)
      await actions().stop({ applicationId: APP, jobId: JOB }, { drain: true, targetDirectory: 'hdfs:///sp', triggerId: 'ab'.repeat(16) })
      assert.equal(jm.calls.length, 0, 'the old JobManager is not asked')
      const post = jm2.calls.find((c) => c.method === 'POST')!
      assert.equal(post.path, `/jobs/${JOB}/stop`)
      assert.deepEqual(JSON.parse(post.body), { targetDirectory: 'hdfs:///sp', drain: true, triggerId: 'ab'.repeat(16) })
    } finally {
      await jm2.close()
    }
  })

  it('refuses a savepoint while the application waits for a new attempt', async () => {
    rm.loseJobManager(APP)
    await assert.rejects(actions().triggerSavepoint({ applicationId: APP, jobId: JOB }), (err: Error & { code?: string }) => err.code === 'ERR_CONFLICT' && /ACCEPTED, not RUNNING/.test(err.message))
  })

  it('rejects ids that are not YARN application or Flink job ids before calling anything', async () => {
    await assert.rejects(actions().kill('application_1/../../x'), /not a YARN application id/)
    await assert.rejects(actions().cancel({ applicationId: APP, jobId: '../overview' }), /not a Flink job id/)
    assert.equal(rm.calls.length, 0)
  })
})
