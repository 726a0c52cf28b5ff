/**
 * Kill flinkwatch (SIGKILL, a child process) in the middle of an alert storm and start it again on
 * the same store: every failed job is named in a delivered Lark message, none twice. The storm
 * comes from a YARN session (the fake ResourceManager, allowed by CONTRIBUTING) whose proxied
 * JobManager reports jobs failing in waves. The first life may send one message a minute, so
 * when it dies the later waves are certainly accepted and not yet delivered (read from its store).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import { MAX_LIMIT } from '../../../src/storage/store.js'
import { OUTBOX, alertingCollections } from '../../../alerting/engine/collections.js'
import { waitFor } from '../../helpers/stack.js'
import { FakeJobManager } from '../../fakes/flink-jobmanager.js'
import { FakeResourceManager } from '../../fakes/yarn-rm.js'
import { FakeLarkBot } from '../../fakes/chat/lark.js'
import { FlinkwatchProcess, freePort } from '../logs/harness.js'

const SECRET = 'kill-secret'
const APP = 'application_1700000000000_0077'
const JOBS = 120
const WAVE = 20
const NAME = /storm-job-\d{3}/g

describe('alerting survives SIGKILL mid-storm', () => {
  let rm: FakeResourceManager
  let jm: FakeJobManager
  let lark: FakeLarkBot
  let fw: FlinkwatchProcess
  let dir: string
  const config = (rateLimit?: { perMinute: number }) => ({
    storage: { type: 'embedded', path: join(dir, 'data') },
    clusters: [{ id: 'yarn-storm', type: 'yarn', url: rm.url, pollInterval: '1s', requestTimeout: '3s' }],
    alerting: {
      rulesFile: new URL('../../../config/rules.yaml', import.meta.url).pathname,
      channels: [{ id: 'oncall', type: 'lark', url: `${lark.url}/hook`, secret: SECRET, ...(rateLimit ? { rateLimit } : {}) }],
    },
  })

  before(async () => {
    lark = await new FakeLarkBot(SECRET).start()
    jm = await new FakeJobManager(Array.from({ length: JOBS }, (_, i) => ({ jid: `${String(i).padStart(3, '0')}`.padEnd(32, 'a'), name: `storm-job-${String(i).padStart(3, '0')}`, state: 'RUNNING', startTime: Date.now() - 60_000 }))).start()
    rm = await new FakeResourceManager().start()
    rm.addRunningApp(APP, jm)
    dir = mkdtempSync(join(tmpdir(), 'fw-alert-kill-'))
    fw = new FlinkwatchProcess(config({ perMinute: 1 }), await freePort(), dir)
    await fw.start()
  })
  after(async () => {
    await fw?.kill('SIGKILL')
    await jm?.close()
    await rm?.close()
    await lark?.stop()
  })

  const firingNames = () => lark.delivered.filter((d) => d.body.includes('FIRING')).flatMap((d) => [...new Set(d.body.match(NAME) ?? [])])
  const fail = (from: number) => jm.jobs.slice(from, from + WAVE).forEach((j) => Object.assign(j, { state: 'FAILED', endTime: Date.now() }))
  const delivered = () => (readFileSync(fw.logFile, 'utf8').match(/notification delivered/g) ?? []).length
  /** Items (one per incident transition and channel) accepted into the outbox and not delivered. */
  const undelivered = async (): Promise<number> => {
    const store = SqliteStore.open(join(dir, 'data'), { inspect: true })
    try {
      await store.init(alertingCollections)
      return (await store.query(OUTBOX, { where: { state: ['pending', 'grouped'] }, limit: MAX_LIMIT })).total
    } finally {
      await store.close()
    }
  }

  it('loses nothing and doubles nothing', async () => {
    fail(0)
    await waitFor('the first delivery', async () => delivered() >= 1, 60_000, 50)
    // More of the storm is under way (detected, grouped, queued) when the process dies.
    fail(WAVE)
    fail(2 * WAVE)
    // One message a minute: the next waves wait in the outbox (nothing more can go out for a minute).
    await waitFor('the next waves accepted and waiting', async () => (await undelivered()) >= 2 * WAVE, 30_000, 100)
    await fw.kill('SIGKILL')
    assert.equal(lark.delivered.length, 1, 'one message out before the kill')
    assert.ok((await undelivered()) >= 2 * WAVE, 'killed with the later waves accepted and undelivered')
    fail(3 * WAVE)
    // The second life sends at the platform's own limits.
    writeFileSync(fw.configPath, stringify({ server: { host: '127.0.0.1', port: Number(new URL(fw.url).port) }, ...config() }))
    await fw.start()
    fail(4 * WAVE)
    fail(5 * WAVE)
    await waitFor('every job named', async () => new Set(firingNames()).size === JOBS, 120_000, 200)
    const names = firingNames()
    const twice = names.filter((n, i) => names.indexOf(n) !== i)
    assert.deepEqual(twice, [], 'no job named in two firing messages')
    assert.equal(lark.throttled, 0)
    assert.equal(lark.rejected, 0)
  })
})
