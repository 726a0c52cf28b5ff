/**
 * AutoRestarter over a real store, operation service, event bus and fleet state; only the LifecycleActions
 * seam is fake (the Flink session actions are tested for real in test/integration/lifecycle).
 */
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { Value } from '@sinclair/typebox/value'
import { AutoRestartConfig } from '../../../src/config/sections/auto-restart.js'
import { EventBus } from '../../../src/core/event-bus.js'
import { FleetState } from '../../../src/fleet/fleet-state.js'
import type { ActionContext, JobRef, LifecycleActions, RestartOptions, RestartResult } from '../../../src/lifecycle/actions.js'
import { AutoRestarter, GAVE_UP_RULE, restartStateCollection, type RestartState } from '../../../src/lifecycle/auto-restart.js'
import { leasesCollection } from '../../../src/lifecycle/lease.js'
import { LifecycleService } from '../../../src/lifecycle/lifecycle-service.js'
import { OperationService, auditCollection, operationsCollection } from '../../../src/lifecycle/operations.js'
import type { JobSnapshot, JobState } from '../../../src/model/job.js'
import type { AuditEvent, RestorePoint } from '../../../src/model/operation.js'
import type { RestartPause } from '../../../src/model/maintenance.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import type { Announcement, IncidentSink, RaisedIncident } from '../../../alerting/incidents.js'
import type { Fence } from '../../../src/ha/fence.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { captureLogger } from '../../helpers/service.js'
import { job, snapshot } from '../fleet/snapshots.js'

const S = 1000
const FAILED_ID = 'a'.repeat(32)
const NAME = 'orders-eu'

/** The seam: records every call; "the cluster" is a list of instances the test controls. */
class FakeActions implements LifecycleActions {
  readonly clusterType = 'flink' as const
  readonly calls: string[] = []
  running: { jobId: string; state: string } | null = null
  restartError: Error | null = null
  /** activeInstance cannot tell (the cluster's JobManager does not answer). */
  activeError: Error | null = null
  onRestart: (() => void) | null = null
  point: RestorePoint | null = { path: 'file:/cp/chk-7', kind: 'checkpoint', completedAt: 1, jobId: FAILED_ID }
  private next = 0

  async cancel(j: JobRef): Promise<{ finalState: string }> {
    this.calls.push(`cancel ${j.jobId}`)
    return { finalState: 'CANCELED' }
  }
  async stop(j: JobRef): Promise<{ savepointPath: string }> {
    this.calls.push(`stop ${j.jobId}`)
    return { savepointPath: 'file:/sp/1' }
  }
  async savepoint(j: JobRef): Promise<{ savepointPath: string }> {
    this.calls.push(`savepoint ${j.jobId}`)
    return { savepointPath: 'file:/sp/2' }
  }
  async restart(j: JobRef, opts: RestartOptions, _ctx: ActionContext): Promise<RestartResult> {
    this.calls.push(`restart ${j.jobId} policy=${opts.policy?.name ?? 'none'}`)
    if (this.restartError) throw this.restartError
    this.onRestart?.()
    const newJobId = `${++this.next}`.padStart(32, 'b')
    this.running = { jobId: newJobId, state: 'RUNNING' }
    return { newJobId, restoredFrom: this.point, previous: 'terminal', details: {} }
  }
  async latestRestorePoint(): Promise<RestorePoint | null> {
    return this.point
  }
  async activeInstance(): Promise<{ jobId: string; state: string } | null> {
    if (this.activeError) throw this.activeError
    return this.running
  }
}

class RecordingSink implements IncidentSink {
  readonly raised: RaisedIncident[] = []
  readonly resolved: string[] = []
  readonly announced: Announcement[] = []
  raise(i: RaisedIncident): void {
    this.raised.push(i)
  }
  resolve(rule: string, cluster: string, jobName?: string | null): void {
    this.resolved.push(`${rule}|${cluster}|${jobName ?? ''}`)
  }
  announce(n: Announcement): void {
    this.announced.push(n)
  }
}

function config(extra: Record<string, unknown> = {}): AutoRestartConfig {
  const raw = { enabled: true, maxAttempts: 3, window: '1h', backoff: '10s', jobs: [{ name: 'orders-.*', jarId: 'orders.jar', args: [] }], ...extra }
  return Value.Decode(AutoRestartConfig, Value.Default(AutoRestartConfig, Value.Clean(AutoRestartConfig, raw)))
}

interface Harness {
  clock: FakeClock
  fleet: FleetState
  store: SqliteStore
  actions: FakeActions
  incidents: RecordingSink
  operations: OperationService
  restarters: AutoRestarter[]
  /** The cluster answers a poll with these jobs (fleet.updated follows). */
  poll(jobs: JobSnapshot[]): Promise<void>
  /** The cluster does not answer (downAfter 1: it is down). */
  outage(): Promise<void>
  idle(): Promise<void>
  audit(): Promise<AuditEvent[]>
}

const open: Harness[] = []

async function harness(cfg: AutoRestartConfig, instances = 1, pause?: RestartPause, fences: ((cluster: string) => Fence | undefined)[] = []): Promise<Harness> {
  const clock = new FakeClock()
  const bus = new EventBus()
  const { logger } = captureLogger()
  const store = SqliteStore.memory()
  await store.init([restartStateCollection, leasesCollection, operationsCollection, auditCollection])
  const fleet = new FleetState({ clusters: [{ id: 'prod', type: 'flink', downAfter: 1, url: 'http://prod:8081', webUiUrl: null }], bus, clock, logger })
  const actions = new FakeActions()
  const incidents = new RecordingSink()
  const operations = new OperationService({ store, bus, clock, logger })
  const restarters: AutoRestarter[] = []
  for (let i = 0; i < instances; i++) {
    // Each flinkwatch instance has its own operation service; they share the store (and here one bus and fleet view).
    const ops = i === 0 ? operations : new OperationService({ store, bus, clock, logger })
    restarters.push(
      new AutoRestarter({ config: cfg, view: fleet, bus, clock, logger, store, operations: ops, actions: () => actions, incidents, instanceId: `fw-${i}`, ...(pause ? { pause } : {}), ...(fences[i] ? { fence: fences[i] } : {}) }),
    )
  }
  for (const r of restarters) await r.start()
  const idle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      await Promise.all(restarters.map((r) => r.idle()))
      await clock.advance(0)
    }
  }
  const h: Harness = {
    clock,
    fleet,
    store,
    actions,
    incidents,
    operations,
    restarters,
    async poll(jobs) {
      fleet.applySnapshot('prod', snapshot('prod', jobs, clock.now()))
      await idle()
    },
    async outage() {
      fleet.applyFailure('prod', new Error('connect ECONNREFUSED'))
      await idle()
    },
    idle,
    audit: () => operations.events({ job: NAME }),
  }
  open.push(h)
  return h
}

afterEach(async () => {
  for (const h of open.splice(0)) {
    for (const r of h.restarters) await r.stop()
    await h.store.close()
  }
})

function failed(clock: FakeClock, jobId = FAILED_ID, state: JobState = 'FAILED'): JobSnapshot {
  return job('prod', jobId, state, { name: NAME, startTime: clock.now() - 60 * S, endTime: clock.now() })
}

function restarts(a: FakeActions): string[] {
  return a.calls.filter((c) => c.startsWith('restart'))
}

describe('auto-restart', () => {
  it('a maintenance window with pauseAutoRestart leaves the job alone while open; after it closes the job is restarted', async () => {
    let openUntil = 0
    const h = await harness(config(), 1, { pausedBy: (cluster, job, now) => (cluster === 'prod' && job === NAME && now < openUntil ? 'kafka-upgrade' : null) })
    openUntil = h.clock.now() + 60 * S
    const bad = failed(h.clock)
    await h.poll([bad])
    await h.clock.advance(30 * S)
    await h.poll([bad])
    await h.idle()
    assert.deepEqual(restarts(h.actions), [], 'paused inside the window')
    await h.clock.advance(31 * S)
    await h.poll([bad])
    await h.clock.advance(10 * S)
    await h.idle()
    assert.equal(restarts(h.actions).length, 1, 'restarted once the window closed')
  })

  it('HA: only the holder of the cluster lease claims and restarts; a stale epoch is refused by the store even when its clock says held', async () => {
    // fw-0 was paused: its lease lapsed (epoch 1). fw-1 took the cluster over (epoch 2).
    let staleHeld = false
    const stale: Fence = { key: 'cluster:prod', epoch: 1, held: () => staleHeld }
    let currentHeld = true
    const current: Fence = { key: 'cluster:prod', epoch: 2, held: () => currentHeld }
    const h = await harness(config(), 2, undefined, [() => stale, () => current])
    const bad = failed(h.clock)
    await h.poll([bad])
    await h.clock.advance(10 * S)
    await h.idle()
    assert.deepEqual(restarts(h.actions), [`restart ${FAILED_ID} policy=orders-.*`])
    const state = (await h.store.get<RestartState>('restart_state', `prod/${NAME}`))!.body
    assert.deepEqual(state.attempts.map((a) => a.owner), ['fw-1'])
    assert.deepEqual(state['fence'], { key: 'cluster:prod', epoch: 2 })
    // A new failure seen by fw-0 only, with a clock that wrongly says its old lease is still held: refused.
    staleHeld = true
    currentHeld = false
    const again = failed(h.clock, 'b'.repeat(32))
    await h.restarters[0]!.evaluate('prod', [again])
    await h.clock.advance(10 * S)
    await h.idle()
    assert.equal(restarts(h.actions).length, 1, 'the stale owner restarted nothing')
    const after = (await h.store.get<RestartState>('restart_state', `prod/${NAME}`))!.body
    assert.deepEqual(after.attempts.map((a) => a.owner), ['fw-1'])
  })

  it('two instances on one store restart a failed job exactly once', async () => {
    const h = await harness(config(), 2)
    const bad = failed(h.clock)
    await h.poll([bad])
    assert.deepEqual(restarts(h.actions), [], 'nothing before the backoff')
    // Both see the failure again on the next polls while the attempt is pending.
    await h.poll([bad])
    await h.clock.advance(10 * S)
    await h.idle()
    assert.deepEqual(restarts(h.actions), [`restart ${FAILED_ID} policy=orders-.*`])
    const newJob = job('prod', h.actions.running!.jobId, 'RUNNING', { name: NAME, startTime: h.clock.now() })
    for (let i = 0; i < 5; i++) {
      await h.poll([bad, newJob])
      await h.clock.advance(60 * S)
    }
    await h.idle()
    assert.equal(restarts(h.actions).length, 1)
    const ev = await h.audit()
    assert.equal(ev.filter((e) => e.action === 'restart' && e.outcome === 'requested').length, 1)
    assert.equal(ev.filter((e) => e.action === 'restart' && e.outcome === 'succeeded').length, 1)
    // Every attempt and its result is announced.
    assert.deepEqual(h.incidents.announced.map((a) => a.severity), ['warning', 'info'])
    assert.match(h.incidents.announced[1]!.summary, /succeeded \(attempt 1\/3\)/)
  })

  it('claims one failure once even when both instances decide at the same moment', async () => {
    const h = await harness(config(), 2)
    await h.poll([]) // the cluster answers
    const bad = failed(h.clock)
    await Promise.all(h.restarters.map((r) => r.evaluate('prod', [bad])))
    const claims = (await h.store.get<RestartState>('restart_state', `prod/${NAME}`))!.body.attempts
    assert.deepEqual(claims.map((c) => c.outcome), ['scheduled'])
    await h.idle()
    await h.clock.advance(10 * S)
    await h.idle()
    assert.equal(restarts(h.actions).length, 1)
  })

  it('never restarts while the cluster is down, and does once it answers again', async () => {
    const h = await harness(config())
    await h.outage()
    const bad = failed(h.clock)
    // A fleet.updated from a cluster flinkwatch considers down changes nothing.
    await h.restarters[0]!.evaluate('prod', [bad])
    await h.clock.advance(60 * S)
    await h.idle()
    assert.deepEqual(h.actions.calls, [])

    // Failed while up, then the cluster goes down before the backoff ends: the attempt waits.
    await h.poll([bad])
    await h.outage()
    await h.clock.advance(60 * S)
    await h.idle()
    assert.deepEqual(h.actions.calls, [])
    await h.poll([bad])
    assert.deepEqual(restarts(h.actions), [`restart ${FAILED_ID} policy=orders-.*`])
  })

  it('never restarts a job an operator canceled or stopped', async () => {
    const h = await harness(config({ restartUnexpectedCanceled: true }))
    const runningId = 'c'.repeat(32)
    await h.poll([job('prod', runningId, 'RUNNING', { name: NAME, startTime: h.clock.now() })])
    const service = new LifecycleService({ fleet: h.fleet, operations: h.operations, actions: () => h.actions, autoRestart: config({ restartUnexpectedCanceled: true }) })
    const op = await service.request({ cluster: 'prod', jobId: runningId, action: 'cancel', requestedBy: 'alice' })
    await h.operations.settled(op.id)
    await h.idle()
    await h.poll([failed(h.clock, runningId, 'CANCELED')])
    await h.clock.advance(10 * 60 * S)
    await h.idle()
    assert.deepEqual(h.actions.calls, [`cancel ${runningId}`])

    // The same job canceled behind flinkwatch's back is restarted (restartUnexpectedCanceled).
    const otherId = 'd'.repeat(32)
    await h.poll([job('prod', otherId, 'RUNNING', { name: NAME, startTime: h.clock.now() })])
    await h.poll([failed(h.clock, otherId, 'CANCELED')])
    await h.clock.advance(10 * S)
    await h.idle()
    assert.deepEqual(restarts(h.actions), [`restart ${otherId} policy=orders-.*`])
  })

  it('dry run audits what it would do and calls no action', async () => {
    const h = await harness(config({ dryRun: true }))
    await h.poll([failed(h.clock)])
    await h.clock.advance(10 * S)
    await h.idle()
    assert.deepEqual(restarts(h.actions), [])
    assert.deepEqual(h.actions.calls, [])
    const ev = await h.audit()
    const dry = ev.filter((e) => e.outcome === 'dry-run')
    assert.equal(dry.length, 1)
    assert.equal(dry[0]!.who, 'flinkwatch:auto-restart')
    assert.match(dry[0]!.message, /^dry run: would restart orders-eu \(attempt 1\/3\) from checkpoint file:\/cp\/chk-7$/)
    assert.equal(ev.filter((e) => e.outcome === 'requested').length, 0)
    assert.deepEqual(h.incidents.raised, [])
  })

  it('raises exactly one critical "auto-restart gave up" incident when the budget is spent, resolved when the job runs again', async () => {
    const h = await harness(config({ maxAttempts: 2 }), 2)
    h.actions.restartError = new Error('the resubmitted job reached FAILED instead of RUNNING')
    const bad = failed(h.clock)
    await h.poll([bad])
    await h.clock.advance(10 * S) // attempt 1
    await h.idle()
    await h.clock.advance(20 * S) // attempt 2 after a doubled backoff
    await h.idle()
    assert.equal(restarts(h.actions).length, 2)
    for (let i = 0; i < 5; i++) {
      await h.poll([bad])
      await h.clock.advance(60 * S)
    }
    await h.idle()
    assert.equal(restarts(h.actions).length, 2)
    assert.equal(h.incidents.raised.length, 1, JSON.stringify(h.incidents.raised))
    const incident = h.incidents.raised[0]!
    assert.equal(incident.rule, GAVE_UP_RULE)
    assert.equal(incident.severity, 'critical')
    assert.equal(incident.jobName, NAME)
    assert.match(incident.summary, /^auto-restart gave up on orders-eu \(cluster prod\): 2 attempts within 60 min/)
    const ev = await h.audit()
    assert.equal(ev.filter((e) => e.outcome === 'gave-up').length, 1)
    assert.equal(ev.filter((e) => e.action === 'restart' && e.outcome === 'failed').length, 2)

    // Someone fixes and resubmits it: the incident resolves.
    await h.poll([bad, job('prod', 'e'.repeat(32), 'RUNNING', { name: NAME, startTime: h.clock.now() })])
    assert.deepEqual(h.incidents.resolved, [`${GAVE_UP_RULE}|prod|${NAME}`])
  })

  it('gives up once when the attempts themselves leave failed instances behind', async () => {
    const h = await harness(config({ maxAttempts: 2 }))
    const instances: JobSnapshot[] = [failed(h.clock)]
    // Each resubmission starts and fails at once: Flink lists one more FAILED instance of the job.
    h.actions.onRestart = () => {
      const id = `${instances.length}`.padStart(32, 'f')
      instances.push(job('prod', id, 'FAILED', { name: NAME, startTime: h.clock.now(), endTime: h.clock.now() }))
      throw new Error(`resubmitted job ${id} reached FAILED instead of RUNNING`)
    }
    await h.poll([...instances])
    for (let i = 0; i < 10; i++) {
      await h.clock.advance(10 * S)
      await h.poll([...instances])
    }
    assert.equal(restarts(h.actions).length, 2)
    assert.equal(h.incidents.raised.length, 1, JSON.stringify(h.incidents.raised.map((r) => r.jobId)))
    assert.equal((await h.audit()).filter((e) => e.outcome === 'gave-up').length, 1)

    // Someone resubmits it by hand; it runs, then fails again within the window: the budget is still spent, a new incident.
    const manual = job('prod', '9'.repeat(32), 'RUNNING', { name: NAME, startTime: h.clock.now() })
    await h.poll([...instances, manual])
    assert.equal(h.incidents.resolved.length, 1)
    await h.clock.advance(60 * S)
    await h.poll([...instances, { ...manual, state: 'FAILED', endTime: h.clock.now() }])
    await h.clock.advance(60 * S)
    await h.idle()
    assert.equal(h.incidents.raised.length, 2)
    assert.equal(restarts(h.actions).length, 2)
  })

  it('another instance takes over a claim whose owner died before restarting', async () => {
    const h = await harness(config(), 2)
    const [a, b] = h.restarters as [AutoRestarter, AutoRestarter]
    await h.poll([]) // the cluster answers
    const bad = failed(h.clock)
    await a.evaluate('prod', [bad])
    await b.evaluate('prod', [bad])
    const claims = (await h.store.get<RestartState>('restart_state', `prod/${NAME}`))!.body.attempts
    assert.deepEqual(claims.map((c) => [c.owner, c.outcome]), [['fw-0', 'scheduled']])
    await a.stop() // instance fw-0 dies with the attempt still scheduled
    for (let i = 0; i < 20; i++) {
      await h.poll([bad])
      await h.clock.advance(60 * S)
    }
    await h.idle()
    assert.deepEqual(restarts(h.actions), [`restart ${FAILED_ID} policy=orders-.*`])
    const requested = (await h.audit()).filter((e) => e.outcome === 'requested')
    assert.equal(requested.length, 1)
    const after = (await h.store.get<RestartState>('restart_state', `prod/${NAME}`))!.body.attempts
    assert.deepEqual(after.map((c) => [c.owner, c.outcome]), [['fw-0', 'scheduled'], ['fw-1', 'succeeded']])
  })

  it('leaves alone a job that ended longer than the window before flinkwatch saw it', async () => {
    const h = await harness(config())
    const old = job('prod', FAILED_ID, 'FAILED', { name: NAME, startTime: h.clock.now() - 3 * 3600 * S, endTime: h.clock.now() - 2 * 3600 * S })
    await h.poll([old])
    await h.clock.advance(60 * S)
    await h.idle()
    assert.deepEqual(h.actions.calls, [])
  })

  it('does not resubmit while it cannot tell whether the job runs, and retries later', async () => {
    const h = await harness(config())
    const bad = failed(h.clock)
    h.actions.activeError = new Error('JobManager (via RM proxy) answered HTTP 502')
    await h.poll([bad])
    await h.clock.advance(10 * S)
    await h.idle()
    assert.deepEqual(restarts(h.actions), [], 'unknown is not "not running"')
    const failedEv = (await h.audit()).filter((e) => e.outcome === 'failed')
    assert.equal(failedEv.length, 1)
    assert.match(failedEv[0]!.message, /cannot tell whether it already runs \(JobManager \(via RM proxy\) answered HTTP 502\); retrying later/)
    // The next attempt follows the budget's backoff (attempt 2: 20 s) and succeeds once the state can be read.
    h.actions.activeError = null
    await h.clock.advance(20 * S)
    await h.idle()
    assert.deepEqual(restarts(h.actions), [`restart ${FAILED_ID} policy=orders-.*`])
    const attempts = (await h.store.get<RestartState>('restart_state', `prod/${NAME}`))!.body.attempts
    assert.deepEqual(attempts.map((a) => a.outcome), ['failed', 'succeeded'])
  })

  it('forgets decided instances after the window plus the claim expiry, without restarting them again', async () => {
    const h = await harness(config())
    const r = h.restarters[0]!
    const ids: string[] = []
    // A failure every 10 minutes for 4 hours, each a new job name (so each is restarted once).
    for (let i = 0; i < 24; i++) {
      const id = i.toString(16).padStart(32, 'e')
      ids.push(id)
      h.actions.running = null // the fake's "cluster" runs one job; each name here is another job
      await h.poll([job('prod', id, 'FAILED', { name: `orders-${i}`, startTime: h.clock.now() - 60 * S, endTime: h.clock.now() })])
      await h.clock.advance(10 * S)
      await h.idle()
      await h.clock.advance(10 * 60 * S - 10 * S)
    }
    assert.equal(restarts(h.actions).length, 24)
    // 1 h window + 15 min claim expiry at one decision per 10 min: at most 8 entries, not 24.
    await h.poll([])
    assert.ok(r.decidedCacheSize <= 8, `cache holds ${r.decidedCacheSize} entries`)
    // A forgotten instance the cluster still lists is not restarted again (the store knows it was handled).
    h.actions.running = null
    const recent = job('prod', ids[14]!, 'FAILED', { name: 'orders-14', startTime: h.clock.now() - 90 * 60 * S, endTime: h.clock.now() - 30 * 60 * S })
    await h.poll([recent])
    await h.clock.advance(60 * S)
    await h.idle()
    assert.equal(restarts(h.actions).length, 24)
  })
})
