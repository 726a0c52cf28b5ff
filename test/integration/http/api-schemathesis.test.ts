/**
 * The API is exactly what /docs/json says: schemathesis (PyPI) generates requests from the OpenAPI
 * document, valid and invalid, and runs every check it has (`--checks all`: no 5xx, status codes, content
 * types, headers and bodies as documented, invalid input rejected, valid input accepted, 405 + Allow for
 * undocumented methods, auth not ignored) against a real service on the embedded store, over every operation
 * of the document, lifecycle actions included. The venv is made on first use (.stack/venv-schemathesis, needs
 * python3-venv: install-deps.sh). The seed is fixed so CI is repeatable; `SCHEMATHESIS_SEED=random` or more
 * examples explore further.
 *
 * Safe by construction: the only cluster the service watches is a YARN fleet of loopback fakes started here
 * (the fake ResourceManager, whose proxy forwards to a fake JobManager), so the cancel/stop/savepoint/restart
 * requests schemathesis generates (the stateful phase feeds them job ids from GET /jobs) can only reach jobs of
 * this test: the service knows no other URL, and the API cannot add a cluster. The stack's Flink, which runs
 * other tests' jobs, is never configured (asserted below).
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { FakeJobManager, type FakeFlinkJob } from '../../fakes/flink-jobmanager.js'
import { FakeResourceManager } from '../../fakes/yarn-rm.js'
import { startService, testConfig, type RunningService } from '../../helpers/service.js'
import { ROOT, STACK } from '../../helpers/stack.js'

const VERSION = '4.32.5'
const VENV = process.env['SCHEMATHESIS_VENV'] ?? join(ROOT, '.stack', 'venv-schemathesis')
// Through the venv's python (`-m`), not its bin/ scripts: their shebangs hold the absolute path the venv was made
// at, so a venv reached through another path (the .stack symlink of a worktree) or moved would not start them.
const PYTHON = join(VENV, 'bin', 'python3')
const CLI = ['-m', 'schemathesis.cli']
const TOKEN = 'schemathesis-admin-token'
/** schemathesis 4's default list for "schema-violating request rejected", with 414 and 431 added. */
const NEGATIVE_REJECTED = ['400', '401', '403', '404', '405', '406', '409', '414', '415', '422', '428', '429', '431', '5xx']

function ensureSchemathesis(): void {
  const installed = spawnSync(PYTHON, [...CLI, '--version'], { encoding: 'utf8' })
  if (installed.status === 0 && installed.stdout.includes(VERSION)) return
  mkdirSync(join(VENV, '..'), { recursive: true })
  if (!existsSync(PYTHON)) {
    const venv = spawnSync('python3', ['-m', 'venv', VENV], { encoding: 'utf8' })
    assert.equal(venv.status, 0, `python3 -m venv failed (Debian: apt-get install python3-venv, or bash test/stack/install-deps.sh schemathesis): ${venv.stderr}`)
  }
  const pip = spawnSync(PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `schemathesis==${VERSION}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  assert.equal(pip.status, 0, `pip install schemathesis failed: ${pip.error?.message ?? ''}${pip.stderr?.slice(-2000) ?? ''}`)
}

/** Async on purpose: the service answering schemathesis runs in this process's event loop. */
function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    // cwd: schemathesis writes its .schemathesis/ cache there, not in the checkout.
    const child = spawn(PYTHON, [...CLI, ...args], { cwd: tmpdir(), env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('close', (code) => resolve({ code, out }))
  })
}

/** Jobs in every kind of state, so generated actions meet both accepted requests (202) and conflicts (409). */
function fakeJobs(): FakeFlinkJob[] {
  const states = ['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'RESTARTING', 'FAILED', 'CANCELED', 'FINISHED']
  return states.map((state, i) => ({ jid: `${i + 1}`.repeat(32), name: `schemathesis-${i + 1}`, state, startTime: Date.now() - (i + 1) * 600_000 }))
}

describe('API against its OpenAPI document (schemathesis, all checks)', { timeout: 900_000 }, () => {
  let svc: RunningService
  let jm: FakeJobManager
  let rm: FakeResourceManager
  before(async () => {
    ensureSchemathesis()
    jm = await new FakeJobManager(fakeJobs()).start()
    rm = await new FakeResourceManager().start()
    rm.addRunningApp('application_1700000000000_0001', jm)
    const config = testConfig({
      auth: { tokens: [{ name: 'admin', token: TOKEN, role: 'admin' }] },
      clusters: [{ id: 'yarn-fake', type: 'yarn', url: rm.url, pollInterval: '2s' }],
    })
    // What makes the lifecycle actions safe to fuzz: every watched cluster is a fake of this test.
    assert.deepEqual(config.clusters.map((c) => (c.url ?? '').replace(/\/+$/, '')), [rm.url])
    assert.ok(!config.clusters.some((c) => (c.url ?? '').startsWith(STACK.flink)), 'the stack\'s Flink is never watched here')
    svc = await startService(config)
  })
  after(async () => {
    await svc?.stop()
    await rm?.close()
    await jm?.close()
  })

  it('finds no failure', async () => {
    const seed = process.env['SCHEMATHESIS_SEED'] ?? '20261203'
    // 414 and 431 reject a schema-violating request too (a query string past the server's 8 KiB limit, or a
    // request line past Node's 16 KiB, answered before validation, and documented): add them to what the
    // negative-data check accepts as a rejection.
    const configDir = mkdtempSync(join(tmpdir(), 'fw-schemathesis-'))
    const configFile = join(configDir, 'schemathesis.toml')
    // One check is off for one operation, every other check still runs on it: POST /maintenance accepts a body only
    // when its cron expression parses in its time zone and exactly one of from/to or cron/duration is given, which
    // JSON Schema cannot say, so generated "valid" bodies meet a 400 (the rules are unit-tested, oncall-api.test.ts).
    writeFileSync(
      configFile,
      [
        '[checks.negative_data_rejection]',
        `expected-statuses = [${NEGATIVE_REJECTED.map((s) => `"${s}"`).join(', ')}]`,
        '',
        '[[operations]]',
        'include-name = "POST /api/v1/maintenance"',
        'checks.positive_data_acceptance.enabled = false',
        '',
      ].join('\n'),
    )
    const r = await run([
      '--config-file',
      configFile,
      'run',
      `${svc.url}/docs/json`,
      // No --checks: schemathesis runs all of its checks by default, and a CLI --checks would override the
      // one per-operation exception in the config file.
      '-H',
      `Authorization: Bearer ${TOKEN}`,
      '--max-examples',
      process.env['SCHEMATHESIS_MAX_EXAMPLES'] ?? '25',
      // One worker: with two, schemathesis 4 sometimes fails importing anyio in a thread (its own runtime error).
      '--workers',
      '1',
      '--request-timeout',
      '30',
      '--no-color',
      ...(seed === 'random' ? [] : ['--seed', seed]),
    ])
    const summary = r.out.split('\n').filter((l) => /generated|passed|failures?|ST\d{3}/.test(l)).join('\n')
    // Long generated URLs make lines of kilobytes: cut each line so the whole report fits.
    const report = r.out.split('\n').map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l)).join('\n')
    assert.equal(r.code, 0, `schemathesis reported failures:\n${report.slice(-30_000)}`)
    assert.match(r.out, /\d+ generated, \d+ passed/, summary)
  })
})
