/**
 * YarnLifecycleActions (cancel, stop, savepoint, restart) against the fake RM, whose proxy forwards to a fake
 * JobManager: every action's exact calls at the RM (and behind its proxy) are asserted. The resubmit command is
 * injected (no process is started).
 */
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import type { RestartJobPolicy } from '../../../src/config/sections/auto-restart.js'
import type { ActionContext, JobRef } from '../../../src/lifecycle/actions.js'
import type { CommandResult, CommandRun } from '../../../src/lifecycle/command-runner.js'
import type { RestorePointMemory } from '../../../src/lifecycle/restore-point-memory.js'
import { createYarnActions } from '../../../platforms/yarn/yarn-actions.js'
import { YarnLifecycleActions } from '../../../platforms/yarn/yarn-lifecycle.js'
import type { RestorePoint } from '../../../src/model/operation.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { FakeJobManager } from '../../fakes/flink-jobmanager.js'
import { fixture } from '../../fakes/http-util.js'
import { FakeResourceManager } from '../../fakes/yarn-rm.js'

const APP = 'application_1700000000000_0042'
const JOB = 'a5d0c1e2f3a4b5c6d7e8f9a0b1c2d3e4'
const SP_DIR = 'hdfs:///flink/savepoints'

/**
 * A JobManager with `state.savepoints.dir` configured (requests without a target directory use it) and, when
 * set, retained checkpoints (`GET /jobs/:id/checkpoints` answers this payload).
 */
class JobManagerWithSavepointDir extends FakeJobManager {
  checkpoints: unknown = null
  override route(method: string, path: string, query: URLSearchParams, body: string): { status: number; body: unknown } {
    if (method === 'GET' && path === `/jobs/${JOB}/checkpoints` && this.checkpoints) return { status: 200, body: this.checkpoints }
    if (method === 'POST' && /\/(stop|savepoints)$/.test(path)) {
      const b = (body ? JSON.parse(body) : {}) as Record<string, unknown>
      body = JSON.stringify({ targetDirectory: SP_DIR, 'target-directory': SP_DIR, ...b })
    }
    return super.route(method, path, query, body)
  }
}

class MemoryStub implements RestorePointMemory {
  point: RestorePoint | null = null
  async get(): Promise<RestorePoint | null> {
    return this.point
  }
  async remember(_c: string, _j: string, p: RestorePoint): Promise<void> {
    if (!this.point || p.completedAt >= this.point.completedAt) this.point = p
  }
}

const policy: RestartJobPolicy = {
  name: 'orders',
  args: [],
  allowNonRestoredState: false,
  allowFreshStart: false,
  command: 'flink run-application -t yarn-application -s {savepoint} -Dsecret.key=s3cret ./orders.jar --password hunter2',
  commandTimeout: 300_000,
}

describe('YARN lifecycle (against the fake RM)', () => {
  let rm: FakeResourceManager
  let jm: FakeJobManager
  let clock: FakeClock
  let memory: MemoryStub
  let runs: CommandRun[]
  let progress: string[]
  beforeEach(async () => {
    rm = await new FakeResourceManager().start()
    jm = await new JobManagerWithSavepointDir([{ jid: JOB, name: 'orders', state: 'RUNNING', startTime: 1767225010000 }]).start()
    rm.addRunningApp(APP, jm)
    clock = new FakeClock()
    memory = new MemoryStub()
    runs = []
    progress = []
  })
  afterEach(async () => {
    await rm.close()
    await jm.close()
  })

  const job = (o: Partial<JobRef> = {}): JobRef => ({ cluster: 'yarn-eu', jobId: JOB, jobName: 'orders', state: 'RUNNING', platform: { applicationId: APP, jobManagerUrl: `${rm.url}/proxy/${APP}/` }, ...o })
  const ctx = (): ActionContext => ({ signal: new AbortController().signal, progress: (m) => void progress.push(m) })
  const actions = () =>
    new YarnLifecycleActions({
      cluster: 'yarn-eu',
      yarn: createYarnActions({ url: rm.url, timeoutMs: 600_000, clock }),
      clock,
      timeoutMs: 600_000,
      memory,
      run: async (run: CommandRun): Promise<CommandResult> => {
        runs.push(run)
        const argv = ['flink', 'run-application', '-t', 'yarn-application', '-s', String(run.values['savepoint']), '-Dsecret.key=s3cret', './orders.jar', '--password', 'hunter2']
        return { argv, exitCode: 0, signal: null, stdout: `Submitted application application_1700000000000_0043 with -Dsecret.key=s3cret\n`, stderr: '', timedOut: false, durationMs: 1200, ok: true }
      },
    })
  const rmCalls = () => rm.calls.map((c) => `${c.method} ${c.path}`)
  const jmCalls = () => jm.calls.map((c) => `${c.method} ${c.path}`)
  const triggerOf = (suffix: 'stop' | 'savepoints'): string => (JSON.parse(jm.calls.find((c) => c.method === 'POST' && c.path === `/jobs/${JOB}/${suffix}`)!.body) as { triggerId: string }).triggerId

  it('cancel: GET yarn-cancel through the proxy, then reads the state until terminal', async () => {
    assert.deepEqual(await actions().cancel(job(), ctx()), { finalState: 'CANCELED' })
    assert.deepEqual(rmCalls(), [`GET /proxy/${APP}/jobs/${JOB}/yarn-cancel`, `GET /proxy/${APP}/jobs/${JOB}`])
    assert.deepEqual(jmCalls(), [`GET /jobs/${JOB}/yarn-cancel`, `GET /jobs/${JOB}`])
  })

  it('savepoint: POST at the JobManager the RM reports, status through the proxy', async () => {
    const r = await actions().savepoint(job(), ctx())
    const t = triggerOf('savepoints')
    assert.match(r.savepointPath, /^hdfs:\/\/\/flink\/savepoints\/savepoint-/)
    assert.deepEqual(rmCalls(), [`GET /ws/v1/cluster/apps/${APP}`, `GET /proxy/${APP}/jobs/${JOB}/savepoints/${t}`])
    assert.deepEqual(jmCalls(), [`POST /jobs/${JOB}/savepoints`, `GET /jobs/${JOB}/savepoints/${t}`])
    assert.deepEqual(JSON.parse(jm.calls[0]!.body), { 'cancel-job': false, triggerId: t })
    assert.equal(memory.point?.path, r.savepointPath)
  })

  it('stop: POST stop at the JobManager, savepoint status and final state through the proxy', async () => {
    const r = await actions().stop(job(), { drain: true }, ctx())
    const t = triggerOf('stop')
    assert.equal(r.finalState, 'FINISHED')
    assert.deepEqual(rmCalls(), [`GET /ws/v1/cluster/apps/${APP}`, `GET /proxy/${APP}/jobs/${JOB}/savepoints/${t}`, `GET /proxy/${APP}/jobs/${JOB}`])
    assert.deepEqual(jmCalls(), [`POST /jobs/${JOB}/stop`, `GET /jobs/${JOB}/savepoints/${t}`, `GET /jobs/${JOB}`])
    assert.deepEqual(JSON.parse(jm.calls[0]!.body), { drain: true, triggerId: t })
  })

  it('restart of a running job: state, stop with savepoint, then the command from that savepoint; no argv or output stored', async () => {
    const r = await actions().restart(job(), { policy, allowFreshStart: false }, ctx())
    const t = triggerOf('stop')
    assert.deepEqual(rmCalls(), [`GET /proxy/${APP}/jobs/${JOB}`, `GET /ws/v1/cluster/apps/${APP}`, `GET /proxy/${APP}/jobs/${JOB}/savepoints/${t}`, `GET /proxy/${APP}/jobs/${JOB}`])
    assert.equal(runs.length, 1)
    assert.equal(runs[0]!.values['savepoint'], r.restoredFrom?.path)
    assert.equal(r.previous, 'stopped')
    // Operation results and audit events are readable by viewers: nothing of the command line or its output.
    assert.deepEqual(r.details, { applicationId: 'application_1700000000000_0043', program: 'flink', argCount: 9, durationMs: 1200 })
    assert.doesNotMatch(JSON.stringify(r), /s3cret|hunter2/)
  })

  it('restart does not resubmit when the RM proxy fails and the RM says the application still runs', async () => {
    rm.overrides.set(`/proxy/${APP}/jobs/${JOB}`, { status: 502, body: '<html><body>Bad Gateway</body></html>' })
    await assert.rejects(actions().restart(job(), { policy, allowFreshStart: true }, ctx()), (err: Error & { retriable?: boolean }) => {
      assert.match(err.message, /cannot read the state of job a5d0c1e2f3a4b5c6d7e8f9a0b1c2d3e4 \(HTTP 502\) and its application is not terminal/)
      assert.equal(err.retriable, true, 'auto-restart tries again later')
      return true
    })
    assert.deepEqual(rmCalls(), [`GET /proxy/${APP}/jobs/${JOB}`, `GET /ws/v1/cluster/apps/${APP}/state`])
    assert.deepEqual(runs, [], 'no second copy submitted')
    assert.equal(rm.apps.get(APP)!.state, 'RUNNING', 'nothing killed')
  })

  it('restart of a job whose state was last seen FAILED still re-reads it and refuses while unknown', async () => {
    rm.overrides.set(`/proxy/${APP}/jobs/${JOB}`, { status: 500, body: '{}' })
    await assert.rejects(actions().restart(job({ state: 'FAILED' }), { policy, allowFreshStart: true }, ctx()), /application is not terminal/)
    assert.deepEqual(runs, [])
  })

  it('restart resubmits when the proxy cannot answer because the RM reports the application ended', async () => {
    rm.finish(APP, 'FAILED', 'FAILED')
    memory.point = { path: 'hdfs:///flink/checkpoints/chk-7', kind: 'checkpoint', completedAt: 1767225300000, jobId: JOB }
    const r = await actions().restart(job({ state: 'FAILED' }), { policy, allowFreshStart: false }, ctx())
    // The proxy sends clients of an ended application to the RM's application page (followed: 404 JSON there).
    assert.deepEqual(rmCalls(), [`GET /proxy/${APP}/jobs/${JOB}`, `GET /cluster/app/${APP}`, `GET /ws/v1/cluster/apps/${APP}/state`, `GET /proxy/${APP}/jobs/overview`, `GET /cluster/app/${APP}`])
    assert.equal(r.previous, 'terminal')
    assert.equal(runs[0]!.values['savepoint'], 'hdfs:///flink/checkpoints/chk-7')
  })

  it('restart kills the application when the stop fails, then resubmits from the newest point', async () => {
    // A JobManager without state.savepoints.dir: stop-with-savepoint is refused (400).
    const plain = await new FakeJobManager(jm.jobs).start()
    try {
      rm.attachJobManager(APP, plain, 2)
      memory.point = { path: 'hdfs:///flink/checkpoints/chk-9', kind: 'checkpoint', completedAt: 1767225300000, jobId: JOB }
      const done = actions().restart(job(), { policy, allowFreshStart: false }, ctx())
      let settled = false
      void done.finally(() => (settled = true)).catch(() => undefined)
      // The kill repeats its PUT after a pause on the injected clock while the RM answers 202.
      while (!settled) await clock.advance(1000)
      const r = await done
      assert.deepEqual(rmCalls(), [
        `GET /proxy/${APP}/jobs/${JOB}`,
        `GET /ws/v1/cluster/apps/${APP}`,
        `GET /proxy/${APP}/jobs/overview`,
        `GET /proxy/${APP}/jobs/${JOB}/checkpoints`,
        `PUT /ws/v1/cluster/apps/${APP}/state`,
        `PUT /ws/v1/cluster/apps/${APP}/state`,
      ])
      assert.deepEqual(rm.calls.filter((c) => c.method === 'PUT').map((c) => JSON.parse(c.body)), [{ state: 'KILLED' }, { state: 'KILLED' }])
      assert.equal(r.previous, 'canceled')
      assert.match(String(r.details['stopFailed']), /state.savepoints.dir/)
      assert.equal(runs[0]!.values['savepoint'], 'hdfs:///flink/checkpoints/chk-9')
    } finally {
      await plain.close()
    }
  })

  it('restart refuses to resubmit when the stop fails and there is no application id to kill', async () => {
    await assert.rejects(actions().restart(job({ platform: { jobManagerUrl: `${rm.url}/proxy/${APP}/` } }), { policy, allowFreshStart: true }, ctx()), /no YARN application id to kill: not resubmitting a second copy/)
    assert.deepEqual(rmCalls(), [`GET /proxy/${APP}/jobs/${JOB}`])
    assert.deepEqual(runs, [])
  })

  it('uses a file: checkpoint path that does not exist on the flinkwatch host (Flink validates it, not flinkwatch)', async () => {
    // Flink 1.20's answer, with the path of Flink's own filesystem (another host or container).
    const cps = fixture<{ latest: { completed: Record<string, unknown> } }>('flink/1.20/checkpoints.real.json')
    const path = `file:/opt/flink/checkpoints/${JOB}/chk-7`
    cps.latest.completed['external_path'] = path
    ;(jm as JobManagerWithSavepointDir).checkpoints = cps
    const point = await actions().latestRestorePoint(job(), ctx())
    assert.deepEqual(point, { path, kind: 'checkpoint', completedAt: cps.latest.completed['latest_ack_timestamp'], jobId: JOB })
    assert.deepEqual(rmCalls(), [`GET /proxy/${APP}/jobs/overview`, `GET /proxy/${APP}/jobs/${JOB}/checkpoints`])
  })

  it('activeInstance: unknown while the application runs, null once the RM reports it ended', async () => {
    assert.deepEqual(await actions().activeInstance(job(), ctx()), { jobId: JOB, state: 'RUNNING' })
    assert.deepEqual(rmCalls(), [`GET /proxy/${APP}/jobs/overview`])
    rm.calls.length = 0
    rm.overrides.set(`/proxy/${APP}/jobs/overview`, { status: 503, body: '{"errors":["leader election"]}' })
    await assert.rejects(actions().activeInstance(job(), ctx()), /cannot tell whether job "orders" runs/)
    assert.deepEqual(rmCalls(), [`GET /proxy/${APP}/jobs/overview`, `GET /ws/v1/cluster/apps/${APP}/state`])
    rm.overrides.delete(`/proxy/${APP}/jobs/overview`)
    rm.finish(APP, 'KILLED', 'KILLED')
    assert.equal(await actions().activeInstance(job(), ctx()), null)
  })
})
