import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { renderCommand, runCommand, splitTemplate } from '../../../src/lifecycle/command-runner.js'
import { FakeClock } from '../../helpers/fake-clock.js'

const dir = mkdtempSync(join(tmpdir(), 'fw-cmd-'))
const echo = join(dir, 'echo-args.mjs')
writeFileSync(echo, 'process.stdout.write(JSON.stringify(process.argv.slice(2))); process.stderr.write("warn"); process.exit(Number(process.env.EXIT ?? 0))\n')
const hang = join(dir, 'hang.mjs')
// Ignores SIGTERM once it is up, so only the SIGKILL after the grace period ends it.
writeFileSync(hang, 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)\n')
const node = JSON.stringify(process.execPath)

describe('command runner', () => {
  it('splits a template like a shell splits words, without expanding anything', () => {
    assert.deepEqual(splitTemplate(`flink run-application -t yarn-application -Dyarn.application.name="orders job" -s {savepoint} 'a b' c\\ d "x\\"y"`), [
      'flink', 'run-application', '-t', 'yarn-application', '-Dyarn.application.name=orders job', '-s', '{savepoint}', 'a b', 'c d', 'x"y',
    ])
    assert.throws(() => splitTemplate('flink "run'), /unterminated " quote/)
  })

  it('substitutes values inside one argument each, so they cannot add arguments or shell syntax', () => {
    const argv = renderCommand('flink run-application -s {savepoint} -Dname={jobName}', { savepoint: 'hdfs:///sp/x; rm -rf / #', jobName: '$(touch /tmp/pwned) a b' })
    assert.deepEqual(argv, ['flink', 'run-application', '-s', 'hdfs:///sp/x; rm -rf / #', '-Dname=$(touch /tmp/pwned) a b'])
    assert.throws(() => renderCommand('flink -s {savepoint}', { savepoint: undefined }), /needs \{savepoint\} but it has no value/)
    assert.throws(() => renderCommand('flink {jarPath}', { savepoint: 'x' }), /uses \{jarPath\}, which is not one of \{savepoint\}/)
  })

  it('runs the command and captures its output and exit code', async () => {
    const marker = join(dir, 'pwned')
    const r = await runCommand({ template: `${node} ${echo} -s {savepoint} {jobName}`, values: { savepoint: `x; touch ${marker}`, jobName: 'orders job' }, timeoutMs: 60_000 }, { clock: new FakeClock() })
    assert.equal(r.ok, true)
    assert.equal(r.exitCode, 0)
    assert.deepEqual(JSON.parse(r.stdout), ['-s', `x; touch ${marker}`, 'orders job'])
    assert.equal(r.stderr, 'warn')
    assert.equal(existsSync(marker), false, 'no shell ran the value')
  })

  it('reports a failing command without throwing', async () => {
    const r = await runCommand({ template: `${node} ${echo}`, values: {}, timeoutMs: 60_000, env: { ...process.env, EXIT: '3' } }, { clock: new FakeClock() })
    assert.equal(r.ok, false)
    assert.equal(r.exitCode, 3)
  })

  it('terminates a command that outlives its timeout: SIGTERM, then SIGKILL after the grace period', async () => {
    const clock = new FakeClock()
    const run = runCommand({ template: `${node} ${hang}`, values: {}, timeoutMs: 300_000, killGraceMs: 5000 }, { clock })
    await clock.advance(300_000 + 5000)
    const r = await run
    assert.equal(r.timedOut, true)
    assert.equal(r.ok, false)
    assert.ok(r.signal === 'SIGTERM' || r.signal === 'SIGKILL', String(r.signal))
    assert.equal(clock.pendingTimers, 0, 'no timer left behind')
  })

  it('says when the command does not exist', async () => {
    await assert.rejects(runCommand({ template: 'flinkwatch-no-such-binary run', values: {}, timeoutMs: 1000 }, { clock: new FakeClock() }), /command not found: flinkwatch-no-such-binary/)
  })
})
