import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createFlinkCollector } from '../../../../platforms/flink/flink-collector.js'
import { reasonOf } from '../../../../platforms/flink/flink-rest-client.js'
import type { FlinkClusterConfig } from '../../../../src/config/sections/clusters.js'
import type { ClusterSnapshot } from '../../../../src/model/cluster.js'
import { FakeClock } from '../../../helpers/fake-clock.js'
import { FakeFlink, JOB_A, JOB_B, V_MAP, V_SINK, V_SRC, fixture } from './fake-flink.js'

const config: FlinkClusterConfig = {
  id: 'c1',
  type: 'flink',
  url: 'http://jm.test:8081',
  pollInterval: 10_000,
  watchInterval: 2000,
  requestTimeout: 5000,
  downAfter: 3,
  concurrency: 4,
  checkpointInterval: 30_000,
  metricsInterval: 60_000,
  enabled: true,
}

function setup(version: '1.17' | '1.20' = '1.20', flink = FakeFlink.standard(version)) {
  const clock = new FakeClock()
  const collector = createFlinkCollector(config, { clock, fetch: flink.fetch })
  const collect = () => collector.collect(new AbortController().signal)
  return { clock, flink, collector, collect }
}

/** Runs collect() while moving the fake clock, for polls that wait on retries or timeouts. */
async function collectWhileAdvancing(clock: FakeClock, p: Promise<ClusterSnapshot>, ms: number): Promise<ClusterSnapshot> {
  let out: { ok: ClusterSnapshot } | { err: unknown } | undefined
  p.then((ok) => (out = { ok }), (err: unknown) => (out = { err }))
  for (let t = 0; t < ms && !out; t += 100) await clock.advance(100)
  if (!out) throw new Error('collect did not settle')
  if ('err' in out) throw out.err
  return out.ok
}

const jobOf = (s: ClusterSnapshot, id: string) => {
  const j = s.jobs.find((x) => x.jobId === id)
  assert.ok(j, `job ${id} in snapshot`)
  return j
}

describe('flink collector on Flink 1.20 payloads', () => {
  it('normalizes the cluster overview', async () => {
    const { collect } = setup()
    const s = await collect()
    assert.deepEqual(s.cluster, {
      id: 'c1',
      type: 'flink',
      version: '1.20.1',
      taskManagers: 1,
      slots: { total: 2, available: 1 },
      jobs: { total: 2, running: 1 },
      jobManagerUrl: 'http://jm.test:8081',
      webUiUrl: 'http://jm.test:8081',
    })
    assert.deepEqual(s.warnings, [])
  })

  it('aggregates vertex metrics: NaN busy ignored, lag = summed pendingRecords, rates by source and sink', async () => {
    const { collect } = setup()
    const job = jobOf(await collect(), JOB_A)
    assert.equal(job.state, 'RUNNING')
    assert.deepEqual(job.vertices.map((v) => [v.id, v.parallelism, v.isSource]), [[V_SRC, 2, true], [V_MAP, 2, false], [V_SINK, 1, false]])
    const src = job.vertices[0]!
    assert.equal(src.busy, null, 'busyTimeMsPerSecond "NaN" is unknown, not 0')
    assert.equal(src.lag, 1200)
    assert.equal(src.recordsInPerSec, 100)
    const map = job.vertices[1]!
    assert.equal(map.busy, 0.8)
    assert.equal(map.backpressure, 0.15)
    assert.equal(map.busySkew, 2)
    assert.equal(job.busy, 0.8)
    assert.equal(job.backpressure, 0.15)
    assert.equal(job.lag, 1200)
    assert.equal(job.recordsInPerSec, 100)
    assert.equal(job.recordsOutPerSec, 90)
    assert.deepEqual(job.resources, { cpuLoad: 0.2, heapUsedBytes: 123456789, heapMaxBytes: 536870912, managedMemoryBytes: 0, gcTimeMsPerSec: 2.5, taskManagers: 1 })
  })

  it('reads checkpoint statistics and interval, and when it read them', async () => {
    const { collect, clock } = setup()
    const readAt = clock.now()
    const cp = jobOf(await collect(), JOB_A).checkpoints
    assert.deepEqual(cp, {
      completed: 299,
      failed: 2,
      inProgress: 0,
      intervalMs: 2000,
      lastCompleted: { id: 299, completedAt: 1767225598000, durationMs: 50, sizeBytes: 2048, externalPath: 'file:/tmp/flink-checkpoints/a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1/chk-299', isSavepoint: false },
      lastSavepoint: null,
      lastFailedAt: 1767225250000,
      lastFailureMessage: 'Checkpoint expired before completing.',
      observedAt: readAt,
    })
  })

  it('treats a Long.MAX_VALUE interval as checkpointing off', async () => {
    const flink = FakeFlink.standard().set(`/jobs/${JOB_A}/checkpoints/config`, { body: fixture('1.20', 'checkpoints-config-disabled') })
    const { collect } = setup('1.20', flink)
    assert.equal(jobOf(await collect(), JOB_A).checkpoints?.intervalMs, null)
  })

  it('reads the failed job once: restarts, newest exception with its endpoint, no checkpoints', async () => {
    const { collect, flink, clock } = setup()
    const job = jobOf(await collect(), JOB_B)
    assert.equal(job.state, 'FAILED')
    assert.equal(job.restarts, 3)
    assert.equal(job.checkpoints, null)
    assert.equal(job.latestException?.message, 'java.lang.RuntimeException: poison record')
    assert.equal(job.latestException?.timestamp, 1767221000000)
    assert.equal(job.latestException?.location, 'localhost:41234')
    assert.equal(job.latestException?.taskName, 'Map -> Filter (1/2)#3')
    assert.equal(job.exceptions?.length, 2)
    assert.equal(job.resources, null)
    const before = flink.count(`/jobs/${JOB_B}`)
    await clock.advance(120_000)
    const again = jobOf(await collect(), JOB_B)
    assert.equal(flink.count(`/jobs/${JOB_B}`), before, 'a terminal job is not polled again')
    assert.equal(again.latestException?.message, 'java.lang.RuntimeException: poison record')
  })
})

describe('flink collector on Flink 1.17 payloads', () => {
  it('decodes the 1.17 exception history (location, no endpoint)', async () => {
    const { collect } = setup('1.17')
    const s = await collect()
    assert.equal(s.cluster.version, '1.17.2')
    const e = jobOf(s, JOB_B).latestException
    assert.equal(e?.message, 'java.lang.RuntimeException: poison record')
    assert.equal(e?.location, 'localhost:41234')
    assert.deepEqual(s.warnings, [])
  })

  it('derives GC time per second from the collector totals (no GarbageCollector.All before 1.19)', async () => {
    let young = 1000
    const flink = FakeFlink.standard('1.17')
      .set('/taskmanagers/metrics', { body: fixture('1.17', 'taskmanagers-metric-ids') })
      .set('/taskmanagers/metrics?get=Status.JVM.CPU.Load%2CStatus.JVM.Memory.Heap.Used%2CStatus.JVM.Memory.Heap.Max%2CStatus.JVM.GarbageCollector.All.TimeMsPerSecond%2CStatus.Flink.Memory.Managed.Used&agg=max,avg,sum'.replaceAll('%2C', ','), {
        body: fixture('1.17', 'taskmanagers-metrics'),
      })
    flink.set('/taskmanagers/metrics?get=Status.JVM.GarbageCollector.G1_Young_Generation.Time,Status.JVM.GarbageCollector.G1_Old_Generation.Time&agg=max,avg,sum', () => ({
      body: [
        { id: 'Status.JVM.GarbageCollector.G1_Young_Generation.Time', max: young, avg: young, sum: young },
        { id: 'Status.JVM.GarbageCollector.G1_Old_Generation.Time', max: 0, avg: 0, sum: 0 },
      ],
    }))
    const { collect, clock } = setup('1.17', flink)
    assert.equal(jobOf(await collect(), JOB_A).resources?.gcTimeMsPerSec, null, 'no rate from one sample')
    young += 600
    await clock.advance(60_000)
    assert.equal(jobOf(await collect(), JOB_A).resources?.gcTimeMsPerSec, 10)
  })
})

describe('flink collector request cadence', () => {
  it('first poll reads everything once; then only the two cluster endpoints plus detail on its cadence', async () => {
    const { collect, flink, clock } = setup()
    await collect()
    // 2 cluster + running job (details, numRestarts, checkpoint config, checkpoints, source discovery, 3 vertices)
    // + failed job (details, numRestarts, checkpoints, exceptions) + TaskManager metrics
    assert.equal(flink.calls.length, 15)
    flink.calls.length = 0
    for (let i = 0; i < 60; i++) {
      await clock.advance(10_000)
      await collect()
    }
    // 10 minutes of polls every 10 s, nothing changed
    assert.equal(flink.count('/overview'), 60)
    assert.equal(flink.count('/jobs/overview'), 60)
    assert.ok(Math.abs(flink.count(`/jobs/${JOB_A}/checkpoints`) - 20) <= 1, `checkpoints every 30 s: ${flink.count(`/jobs/${JOB_A}/checkpoints`)}`)
    assert.ok(Math.abs(flink.count(`/jobs/${JOB_A}/vertices/`) - 30) <= 3, 'one request per vertex every 60 s')
    assert.ok(Math.abs(flink.count('/taskmanagers/metrics') - 10) <= 1)
    assert.equal(flink.count(`/jobs/${JOB_B}`), 0, 'nothing for the terminal job')
    assert.equal(flink.count(`/jobs/${JOB_A}/exceptions`), 0, 'no exceptions for a job that never restarted')
    assert.equal(flink.count(`/jobs/${JOB_A}/metrics`) + flink.count(`/jobs/${JOB_A}?`) + flink.calls.filter((c) => c === `/jobs/${JOB_A}`).length, 0)
    const detailPerMinute = flink.count(`/jobs/${JOB_A}/`) / 10
    assert.ok(detailPerMinute <= 5.5, `detail requests per job per minute: ${detailPerMinute}`)
  })

  it('reads a big cluster seen for the first time over several polls', async () => {
    const flink = FakeFlink.standard()
    const jobs = Array.from({ length: 25 }, (_, i) => ({ jid: i.toString(16).padStart(32, 'c'), name: `job-${i}`, state: 'RUNNING', 'start-time': 1, 'end-time': -1, 'last-modification': 5 }))
    flink.set('/jobs/overview', { body: { jobs } })
    const { collect, clock } = setup('1.20', flink)
    const first = await collect()
    assert.equal(first.jobs.length, 25, 'every job is listed from the first poll')
    // No detail routes for these jobs: every detail read fails (404), and still every job gets its turn.
    const detailCalls = () => new Set(flink.calls.filter((c) => jobs.some((j) => c === `/jobs/${j.jid}`))).size
    assert.equal(detailCalls(), 10)
    await clock.advance(10_000)
    await collect()
    await clock.advance(10_000)
    await collect()
    assert.equal(detailCalls(), 25)
  })

  /** Job A changed since the last poll (a later last-modification) and its numRestarts metric now reads `restarts`. */
  const changedWith = (flink: FakeFlink, lastModification: number, restarts: number) => {
    const overview = fixture('1.20', 'jobs-overview') as { jobs: Record<string, unknown>[] }
    overview.jobs[0]!['last-modification'] = lastModification
    flink.set('/jobs/overview', { body: overview }).set(`/jobs/${JOB_A}/metrics`, { body: [{ id: 'numRestarts', value: String(restarts) }] })
  }

  it('refreshes detail and reads exceptions when a job restarted between polls', async () => {
    const { collect, flink, clock } = setup()
    await collect()
    changedWith(flink, 1767225700000, 2)
    await clock.advance(10_000)
    flink.calls.length = 0
    const job = jobOf(await collect(), JOB_A)
    assert.equal(job.restarts, 2)
    assert.equal(flink.count(`/jobs/${JOB_A}/exceptions`), 1)
    assert.equal(job.latestException?.message, 'java.lang.RuntimeException: poison record')
  })

  it('never lowers a run\'s restarts when numRestarts lags behind what was read before', async () => {
    const { collect, flink, clock } = setup()
    await collect()
    changedWith(flink, 1767225700000, 2)
    await clock.advance(10_000)
    assert.equal(jobOf(await collect(), JOB_A).restarts, 2)
    // The next change reads a metric the JobManager has not refreshed yet, and a history that holds less.
    changedWith(flink, 1767225800000, 1)
    flink.set(`/jobs/${JOB_A}/exceptions`, { body: { exceptionHistory: { entries: [], truncated: true } } })
    await clock.advance(10_000)
    flink.calls.length = 0
    assert.equal(jobOf(await collect(), JOB_A).restarts, 2)
    assert.equal(flink.count(`/jobs/${JOB_A}/metrics?get=numRestarts`), 1, 'the change was read')
  })
})

describe("flink collector on Flink's cached job detail", () => {
  // `/jobs/:id` and `/jobs/:id/exceptions` answer from an execution graph cached for web.refresh-interval.
  const overviewWith = (state: string, lastModification: number) => {
    const overview = fixture('1.20', 'jobs-overview') as { jobs: Record<string, unknown>[] }
    overview.jobs[0]!.state = state
    overview.jobs[0]!['last-modification'] = lastModification
    return { body: overview }
  }

  it('keeps a failed job RUNNING while its detail is stale, then reports FAILED with the cause', async () => {
    const { collect, flink, clock } = setup()
    assert.equal(jobOf(await collect(), JOB_A).state, 'RUNNING')
    const failedDetail = { ...(fixture('1.20', 'job-details') as Record<string, unknown>), state: 'FAILED' }
    flink.set('/jobs/overview', overviewWith('FAILED', 1767225700000)).set(`/jobs/${JOB_A}/exceptions`, (n) => (n === 1 ? { body: fixture('1.20', 'exceptions') } : { body: { exceptionHistory: { entries: [], truncated: false } } }))
    flink.set(`/jobs/${JOB_A}`, (n) => ({ body: n <= 2 ? fixture('1.20', 'job-details') : failedDetail }))
    await clock.advance(10_000)
    const held = jobOf(await collect(), JOB_A)
    assert.equal(held.state, 'RUNNING', 'the stale detail still says RUNNING')
    assert.equal(flink.count(`/jobs/${JOB_A}/exceptions`), 0, 'a stale graph has no exception to read yet')
    flink.set(`/jobs/${JOB_A}/exceptions`, { body: fixture('1.20', 'exceptions') })
    await clock.advance(10_000)
    const failed = jobOf(await collect(), JOB_A)
    assert.equal(failed.state, 'FAILED')
    assert.equal(failed.latestException?.message, 'java.lang.RuntimeException: poison record')
    assert.ok(failed.restarts >= 1)
  })

  it('reads vertices again when a job turned RUNNING but its detail is the sparse INITIALIZING graph', async () => {
    const flink = FakeFlink.standard()
    const sparse = { ...(fixture('1.20', 'job-details') as Record<string, unknown>), state: 'INITIALIZING', vertices: [], plan: { nodes: [] } }
    flink.set(`/jobs/${JOB_A}`, (n) => ({ body: n === 1 ? sparse : fixture('1.20', 'job-details') }))
    const { collect, clock } = setup('1.20', flink)
    const first = jobOf(await collect(), JOB_A)
    assert.equal(first.state, 'RUNNING', 'a job seen for the first time shows the overview state')
    assert.equal(first.vertices.length, 0)
    await clock.advance(10_000)
    const second = jobOf(await collect(), JOB_A)
    assert.equal(second.vertices.length, 3)
    assert.equal(flink.count(`/jobs/${JOB_A}`) >= 2, true)
  })

  it('shows a restart at once even while the detail is stale, and reads the detail again', async () => {
    const { collect, flink, clock } = setup()
    await collect()
    flink.set('/jobs/overview', overviewWith('RESTARTING', 1767225700000))
    flink.calls.length = 0
    await clock.advance(10_000)
    assert.equal(jobOf(await collect(), JOB_A).state, 'RESTARTING')
    await clock.advance(10_000)
    await collect()
    assert.equal(flink.count(`/jobs/${JOB_A}?`) + flink.calls.filter((c) => c === `/jobs/${JOB_A}`).length, 2, 'the stale detail is asked for again')
  })

  it('gives up waiting after a few polls when the detail never agrees', async () => {
    const { collect, flink, clock } = setup()
    await collect()
    flink.set('/jobs/overview', overviewWith('FAILED', 1767225700000))
    const states: string[] = []
    for (let i = 0; i < 5; i++) {
      await clock.advance(10_000)
      states.push(jobOf(await collect(), JOB_A).state)
    }
    assert.deepEqual(states, ['RUNNING', 'RUNNING', 'RUNNING', 'FAILED', 'FAILED'])
  })
})

describe('flink collector on bad answers', () => {
  it('retries a 503 leader-election answer and succeeds', async () => {
    const flink = FakeFlink.standard().set('/overview', (n) => (n === 1 ? { status: 503, body: fixture('1.20', 'leader-election') } : { body: fixture('1.20', 'overview') }))
    const { collect, clock } = setup('1.20', flink)
    const s = await collectWhileAdvancing(clock, collect(), 5000)
    assert.equal(s.cluster.taskManagers, 1)
    assert.equal(flink.count('/overview'), 2)
  })

  it('fails the probe as leader_election when the election outlasts the retries', async () => {
    const flink = FakeFlink.standard().set('/overview', { status: 503, body: fixture('1.20', 'leader-election') })
    const { collect, clock } = setup('1.20', flink)
    await assert.rejects(collectWhileAdvancing(clock, collect(), 10_000), (err: unknown) => reasonOf(err) === 'leader_election')
    assert.equal(flink.count('/overview'), 3)
  })

  it('keeps a job whose detail answers 404 (vanished between requests) and warns', async () => {
    const flink = FakeFlink.standard().set(`/jobs/${JOB_A}`, { status: 404, body: fixture('1.20', 'not-found') })
    const { collect } = setup('1.20', flink)
    const s = await collect()
    assert.equal(jobOf(s, JOB_A).state, 'RUNNING')
    assert.ok(s.warnings?.some((w) => w.reason === 'not_found' && w.jobId === JOB_A))
  })

  it('times out a hanging detail endpoint and still returns the snapshot', async () => {
    const flink = FakeFlink.standard().set(`/jobs/${JOB_A}/checkpoints`, 'hang')
    const { collect, clock } = setup('1.20', flink)
    const s = await collectWhileAdvancing(clock, collect(), 6000)
    const job = jobOf(s, JOB_A)
    assert.equal(job.state, 'RUNNING')
    assert.equal(job.checkpoints, null)
    assert.ok(s.warnings?.some((w) => w.reason === 'timeout' && w.jobId === JOB_A), JSON.stringify(s.warnings))
  })

  it('times out a hanging /jobs/overview as a failed probe', async () => {
    const flink = FakeFlink.standard().set('/jobs/overview', 'hang')
    const { collect, clock } = setup('1.20', flink)
    await assert.rejects(collectWhileAdvancing(clock, collect(), 6000), (err: unknown) => reasonOf(err) === 'timeout')
  })

  it('rejects a truncated /jobs/overview as decode, warns on a truncated detail payload', async () => {
    const bad = FakeFlink.standard().set('/jobs/overview', { raw: '{"jobs":[{"jid":"a1' })
    await assert.rejects(setup('1.20', bad).collect(), (err: unknown) => reasonOf(err) === 'decode' && /not JSON/.test(String(err)))
    const detail = FakeFlink.standard().set(`/jobs/${JOB_A}/checkpoints`, { raw: '<html>proxy error</html>' })
    const s = await setup('1.20', detail).collect()
    assert.ok(s.warnings?.some((w) => w.reason === 'decode' && w.jobId === JOB_A))
  })

  it('rejects a payload missing a field it relies on, naming the field', async () => {
    const bad = FakeFlink.standard().set('/overview', { body: { taskmanagers: 1 } })
    await assert.rejects(setup('1.20', bad).collect(), (err: unknown) => reasonOf(err) === 'decode' && /slots-total/.test(String(err)))
  })

  it('reports a refused connection as connect', async () => {
    const clock = new FakeClock()
    const collector = createFlinkCollector(config, {
      clock,
      fetch: async () => {
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8081'), { code: 'ECONNREFUSED' }) })
      },
    })
    await assert.rejects(collector.collect(new AbortController().signal), (err: unknown) => reasonOf(err) === 'connect' && /ECONNREFUSED/.test(String(err)))
  })
})

describe("flink collector's state watch (GET /jobs between polls)", () => {
  const watch = (collector: ReturnType<typeof setup>['collector']) => collector.changed!(new AbortController().signal)
  const jobsWith = (list: { id: string; status: string }[]) => ({ body: { jobs: list } })

  it('says no with one request when every job has the status the last poll saw', async () => {
    const { collect, collector, flink } = setup()
    await collect()
    flink.calls.length = 0
    assert.deepEqual(await watch(collector), { changed: false, requests: 1 })
    assert.deepEqual(flink.calls, ['/jobs'])
  })

  it('says yes when a job changed status, appeared or vanished', async () => {
    const { collect, collector, flink } = setup()
    await collect()
    const a = { id: JOB_A, status: 'RUNNING' }
    const b = { id: JOB_B, status: 'FAILED' }
    flink.set('/jobs', jobsWith([{ ...a, status: 'FAILING' }, b]))
    assert.equal((await watch(collector)).changed, true, 'status change')
    flink.set('/jobs', jobsWith([a, b, { id: 'c3'.repeat(16), status: 'CREATED' }]))
    assert.equal((await watch(collector)).changed, true, 'a new job')
    flink.set('/jobs', jobsWith([a]))
    assert.equal((await watch(collector)).changed, true, 'a job gone')
    flink.set('/jobs', jobsWith([a, b, a]))
    assert.equal((await watch(collector)).changed, false, 'a job listed twice is one job')
  })

  it('says yes while an end is held because Flink\'s cached detail still shows the job running', async () => {
    const { collect, collector, flink, clock } = setup()
    await collect()
    const overview = fixture('1.20', 'jobs-overview') as { jobs: Record<string, unknown>[] }
    overview.jobs[0]!.state = 'FAILED'
    overview.jobs[0]!['last-modification'] = 1767225700000
    flink.set('/jobs/overview', { body: overview }).set('/jobs', jobsWith([{ id: JOB_A, status: 'FAILED' }, { id: JOB_B, status: 'FAILED' }]))
    await clock.advance(10_000)
    assert.equal(jobOf(await collect(), JOB_A).state, 'RUNNING', 'held: the detail is stale')
    assert.equal((await watch(collector)).changed, true, 'the next poll may settle it')
    flink.set(`/jobs/${JOB_A}`, { body: { ...(fixture('1.20', 'job-details') as Record<string, unknown>), state: 'FAILED' } })
    await clock.advance(2000)
    assert.equal(jobOf(await collect(), JOB_A).state, 'FAILED')
    assert.equal((await watch(collector)).changed, false)
  })

  it('says yes while state changes wait beyond one poll\'s share, not for a big cluster\'s first sighting', async () => {
    const flink = FakeFlink.standard()
    const entry = (i: number, state: string, lm: number) => ({ jid: i.toString(16).padStart(32, 'c'), name: `job-${i}`, state, 'start-time': 1, 'end-time': -1, 'last-modification': lm })
    const ids = (state: string) => jobsWith(Array.from({ length: 25 }, (_, i) => ({ id: entry(i, state, 0).jid, status: state })))
    flink.set('/jobs/overview', { body: { jobs: Array.from({ length: 25 }, (_, i) => entry(i, 'RUNNING', 5)) } }).set('/jobs', ids('RUNNING'))
    const details = fixture('1.20', 'job-details') as Record<string, unknown>
    for (let i = 0; i < 25; i++) {
      const jid = entry(i, '', 0).jid
      flink.set(`/jobs/${jid}`, { body: { ...details, jid, vertices: [] } }).set(`/jobs/${jid}/metrics`, { body: fixture('1.20', 'job-metrics') })
    }
    const { collect, collector, clock } = setup('1.20', flink)
    await collect()
    assert.equal((await watch(collector)).changed, false, 'first sightings are read at the poll pace')
    for (let i = 0; i < 2; i++) await clock.advance(10_000).then(collect)
    flink.set('/jobs/overview', { body: { jobs: Array.from({ length: 25 }, (_, i) => entry(i, 'RESTARTING', 9)) } }).set('/jobs', ids('RESTARTING'))
    await clock.advance(10_000)
    await collect()
    assert.equal((await watch(collector)).changed, true, '15 restarts not yet read')
  })

  it('rejects a /jobs answer it cannot read, as decode', async () => {
    const { collect, collector, flink } = setup()
    await collect()
    flink.set('/jobs', { body: { jobs: [{ id: JOB_A }] } })
    await assert.rejects(watch(collector), (err: unknown) => reasonOf(err) === 'decode')
  })
})

