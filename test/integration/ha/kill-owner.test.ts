/**
 * Three flinkwatch instances (child processes) on the real Elasticsearch, watching the real Flink. SIGKILL the
 * owner of the Flink cluster, then send the poison record: exactly one FAILED notification and exactly one
 * restart, both from the new owner. Then SIGSTOP the owner past its lease, let another take over, fail a job,
 * SIGCONT it: the paused owner sends and restarts nothing.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { Client } from '@elastic/elasticsearch'
import { STACK, cancelJobsNamed, getJson, produce, uniqueId, waitFor, waitForCompletedCheckpoint, waitForJobState } from '../../helpers/stack.js'
import { FakeLarkBot } from '../../fakes/chat/lark.js'
import { FlinkwatchProcess, freePort } from '../logs/harness.js'
import { instances, policyFor, startTestJob, waitForFailed, waitForNewRunning, type TestJob } from '../lifecycle/helpers.js'

const SECRET = 'ha-kill-secret'
const TTL_MS = 6000

interface Instances {
  instances: { id: string; alive: boolean; clusters: string[]; channels: string[] }[]
}

describe('HA: killing and pausing the owner of a real Flink cluster', () => {
  const prefix = uniqueId('fwhakill').toLowerCase()
  const admin = new Client({ node: STACK.elasticsearch })
  let lark: FakeLarkBot
  const procs = new Map<string, FlinkwatchProcess>()
  const jobs: TestJob[] = []

  const config = (id: string, job: TestJob) => ({
    storage: { type: 'elasticsearch', node: STACK.elasticsearch, indexPrefix: prefix },
    ha: { enabled: true, instanceId: id, heartbeat: '1s', leaseTtl: `${TTL_MS / 1000}s` },
    clusters: [{ id: 'local', type: 'flink', url: STACK.flink, pollInterval: '1s', checkpointInterval: '1s', metricsInterval: '5s' }],
    autoRestart: { enabled: true, maxAttempts: 3, window: '1h', backoff: '1s', jobs: [policyFor(job)] },
    alerting: {
      rulesFile: new URL('../../../config/rules.yaml', import.meta.url).pathname,
      channels: [{ id: 'oncall', type: 'lark', url: `${lark.url}/hook`, secret: SECRET }],
    },
  })

  before(async () => {
    lark = await new FakeLarkBot(SECRET).start()
  })
  after(async () => {
    for (const p of procs.values()) {
      // FlinkwatchProcess.kill waits for the exit, which SIGSTOP and SIGCONT never bring: signal those directly.
      if (p.pid !== undefined) process.kill(p.pid, 'SIGCONT')
      await p.kill('SIGKILL')
    }
    for (const j of jobs) await cancelJobsNamed(j.name)
    await lark?.stop()
    await admin.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true }).catch(() => undefined)
    await admin.indices.deleteIndexTemplate({ name: `${prefix}-*` }).catch(() => undefined)
    await admin.close()
  })

  const any = (): FlinkwatchProcess => [...procs.values()][0]!
  const list = async (via: FlinkwatchProcess): Promise<Instances['instances']> => (await getJson<Instances>(`${via.url}/api/v1/instances`)).instances
  /** The alive instance holding the Flink cluster, asked of `via`, other than `not`. */
  const owner = (via: FlinkwatchProcess, not: string[] = []): Promise<string> =>
    waitFor(`an owner of cluster local other than ${not.join(', ') || 'none'}`, async () => (await list(via)).find((i) => i.alive && i.clusters.includes('local') && !not.includes(i.id))?.id, 60_000, 200)
  const firingNaming = (name: string): number => lark.delivered.filter((d) => d.body.includes('FIRING') && d.body.includes(name)).length
  // On a failure, says which messages they were (a second rule firing is not a duplicate of the first).
  const firingTitles = (name: string): string => lark.delivered.filter((d) => d.body.includes('FIRING') && d.body.includes(name)).map((d) => /"content":"([^"]*)"/.exec(d.body)?.[1] ?? d.body.slice(0, 120)).join(' | ')
  const logOf = (id: string): string => readFileSync(procs.get(id)!.logFile, 'utf8')
  const claimedBy = (id: string, jobId: string): boolean => logOf(id).split('\n').some((l) => l.includes(jobId) && l.includes(': attempt 1/'))

  it('SIGKILL the owner, then poison: one FAILED message and one restart, from the new owner', async () => {
    const job = await startTestJob('fw-ha-kill')
    jobs.push(job)
    await waitForJobState(job.jobId, ['RUNNING'])
    await waitForCompletedCheckpoint(job.jobId)
    for (const id of ['fw-a', 'fw-b', 'fw-c']) procs.set(id, new FlinkwatchProcess(config(id, job), await freePort()))
    await Promise.all([...procs.values()].map((p) => p.start()))
    await waitFor('three live instances', async () => ((await list(any())).filter((i) => i.alive).length === 3 ? true : undefined), 60_000, 200)
    const first = await owner(any())
    await procs.get(first)!.kill('SIGKILL')
    const survivors = [...procs.keys()].filter((id) => id !== first)
    const via = procs.get(survivors[0]!)!
    const killedAt = Date.now()
    const second = await owner(via, [first])
    const takeoverMs = Date.now() - killedAt
    assert.ok(takeoverMs < TTL_MS + 5000, `taken over ${takeoverMs} ms after the kill`)
    await produce(job.input, [{ value: 'poison' }])
    await waitForFailed(job.jobId)
    const again = await waitForNewRunning(job.name, [job.jobId])
    await waitFor('the FAILED message', async () => (firingNaming(job.name) >= 1 ? true : undefined), 60_000, 200)
    // Settled: the restart is audited as succeeded (no claim can follow), and a few rounds have passed.
    type Ev = { action: string; outcome: string }
    const events = await waitFor('the restart audited', async () => {
      const ev = (await getJson<{ events: Ev[] }>(`${via.url}/api/v1/events?job=${encodeURIComponent(job.name)}`)).events
      return ev.some((e) => e.action === 'restart' && e.outcome === 'succeeded') ? ev : undefined
    }, 60_000, 200)
    await new Promise((r) => setTimeout(r, 3000))
    assert.equal(firingNaming(job.name), 1, `exactly one FAILED notification: ${firingTitles(job.name)}`)
    assert.equal(events.filter((e) => e.action === 'restart' && e.outcome === 'requested').length, 1, JSON.stringify(events))
    const all = await instances(job.name)
    assert.equal(all.length, 2, all.map((i) => `${i.jid}:${i.state}`).join(' '))
    assert.equal(all.filter((i) => i.state === 'RUNNING').length, 1)
    assert.equal(all[1]!.jid, again.jid)
    assert.equal(claimedBy(second, job.jobId), true, `the new owner ${second} restarted it`)
    for (const id of survivors.filter((s) => s !== second)) assert.equal(claimedBy(id, job.jobId), false, `${id} claimed nothing`)
  })

  it('SIGSTOP the owner past its lease, fail a job, SIGCONT: the paused owner sends and restarts nothing', async () => {
    for (const j of jobs) await cancelJobsNamed(j.name)
    const job = await startTestJob('fw-ha-stop')
    jobs.push(job)
    await waitForJobState(job.jobId, ['RUNNING'])
    await waitForCompletedCheckpoint(job.jobId)
    // The survivors of the first test run on; give them this job's policy by restarting them one at a time.
    const live = [...procs.entries()].filter(([, p]) => p.pid !== undefined)
    for (const [id, p] of live) {
      await p.kill('SIGTERM')
      const fresh = new FlinkwatchProcess(config(id, job), await freePort())
      procs.set(id, fresh)
      await fresh.start()
    }
    const via = procs.get(live[0]![0])!
    await waitFor('both live instances', async () => ((await list(via)).filter((i) => i.alive).length === 2 ? true : undefined), 60_000, 200)
    // Right after the restarts a handover may still be under way (the rendezvous choice takes the cluster from
    // whoever picked it up first): pause only an owner that kept it over two heartbeats and a half.
    let paused = await owner(via)
    for (let settled = false; !settled; ) {
      await new Promise((r) => setTimeout(r, 2500))
      const now = await owner(via)
      settled = now === paused
      paused = now
    }
    const other = live.map(([id]) => id).find((id) => id !== paused)!
    const before = lark.delivered.length
    process.kill(procs.get(paused)!.pid!, 'SIGSTOP')
    const stoppedAt = Date.now()
    await owner(procs.get(other)!, [paused])
    assert.ok(Date.now() - stoppedAt >= TTL_MS - 1500, 'not taken before the lease could expire')
    await produce(job.input, [{ value: 'poison' }])
    await waitForFailed(job.jobId)
    await waitForNewRunning(job.name, [job.jobId])
    await waitFor('the FAILED message', async () => (firingNaming(job.name) >= 1 ? true : undefined), 60_000, 200)
    // SIGCONT: the old owner wakes up with a lapsed lease and the failed job in its last view.
    process.kill(procs.get(paused)!.pid!, 'SIGCONT')
    await waitFor('the paused owner back and alive', async () => ((await list(procs.get(other)!)).find((i) => i.id === paused)?.alive ? true : undefined), 60_000, 200)
    await new Promise((r) => setTimeout(r, 5000))
    assert.equal(firingNaming(job.name), 1, `exactly one FAILED notification: ${firingTitles(job.name)}`)
    assert.ok(lark.delivered.length - before >= 1)
    assert.equal(claimedBy(paused, job.jobId), false, 'the paused owner claimed no restart')
    assert.equal(claimedBy(other, job.jobId), true, 'the new owner restarted it')
    assert.match(logOf(paused), /cluster local: expired/)
    const all = await instances(job.name)
    assert.equal(all.filter((i) => i.state === 'RUNNING').length, 1, all.map((i) => `${i.jid}:${i.state}`).join(' '))
    assert.equal(all.length, 2)
  })
})
