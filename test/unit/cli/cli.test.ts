import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'

const ROOT = new URL('../../../', import.meta.url).pathname

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the CLI from source as a user would, with a deadline. */
function cli(args: string[], env: Record<string, string> = {}, killAfterMs = 15_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const t = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    child.on('close', (code) => {
      clearTimeout(t)
      resolve({ code, stdout, stderr })
    })
  })
}

function tempConfig(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fw-cli-'))
  const path = join(dir, 'flinkwatch.yaml')
  writeFileSync(path, yaml.replaceAll('$DIR', dir))
  return path
}

describe('flinkwatch CLI', () => {
  it('check-config: exit 0 and a summary for a valid file', async () => {
    const r = await cli(['check-config', '--config', 'config/flinkwatch.yaml'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /valid \(0 cluster\(s\), storage embedded\)/)
  })

  it('check-config: exit 2 and every problem with its path', async () => {
    const r = await cli(['check-config', '--config', 'config/testdata/bad-many.yaml'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^server\.colour: unknown key$/m)
    assert.match(r.stderr, /^clusters\[1\]\.type: must be one of flink, yarn, kubernetes$/m)
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
  })

  it('check-config: an unknown alert rule kind is exit 2 with the rule named', async () => {
    const r = await cli(['check-config', '--config', tempConfig('storage: { type: embedded, path: $DIR/data }\nalerting:\n  rules:\n    - { name: orders-lag, kind: kafka-lagg }\n')])
    assert.equal(r.code, 2, r.stdout)
    assert.match(r.stderr, /^alerting\.rules\[orders-lag\]\.kind: unknown rule kind "kafka-lagg" \(known: .*kafka-lag.*\)$/m)
    assert.doesNotMatch(r.stdout, /valid/)
  })

  it('check-config reads FLINKWATCH_CONFIG when --config is absent', async () => {
    const r = await cli(['check-config'], { FLINKWATCH_CONFIG: 'config/testdata/bad-url.yaml' })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /clusters\[0\]\.url: must be an http\(s\) URL/)
  })

  it('check-config: a non-loopback address without auth tokens and a bad cron are exit 2, as serve refuses them', async () => {
    const path = tempConfig('server: { host: 0.0.0.0 }\nstorage: { type: embedded, path: $DIR/data }\nrecommendations: { schedule: "not a cron" }\n')
    const r = await cli(['check-config', '--config', path])
    assert.equal(r.code, 2, r.stdout)
    assert.match(r.stderr, /^server\.host: is 0\.0\.0\.0 but auth\.tokens is empty: flinkwatch refuses to serve its API without tokens/m)
    assert.match(r.stderr, /^recommendations\.schedule: "not a cron" is not a valid cron expression/m)
    assert.doesNotMatch(r.stdout, /valid/)
    const serve = await cli(['serve', '--config', path])
    assert.equal(serve.code, 2)
    assert.match(serve.stderr, /^flinkwatch: recommendations\.schedule: "not a cron"/m)
  })

  it('serve: refuses a non-loopback address without auth tokens, with one clear line and exit 2', async () => {
    const r = await cli(['serve', '--config', tempConfig('server: { host: 0.0.0.0, port: 0 }\nstorage: { type: embedded, path: $DIR/data }\n')])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /refuses to serve its API without tokens on a non-loopback address/)
    assert.doesNotMatch(r.stderr, /\n\s+at /)
  })

  it('serve: a port already in use is one clear message and a non-zero exit', async () => {
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
    const port = (blocker.address() as { port: number }).port
    try {
      const r = await cli(['serve', '--config', tempConfig(`server: { host: 127.0.0.1, port: ${port} }\nstorage: { type: embedded, path: $DIR/data }\n`)])
      assert.equal(r.code, 1)
      assert.match(r.stderr, new RegExp(`port ${port} on 127.0.0.1 is already in use`))
    } finally {
      blocker.close()
    }
  })

  it('serve: an unusable data directory is one clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-cli-'))
    writeFileSync(join(dir, 'file'), '')
    const r = await cli(['serve', '--config', tempConfig(`server: { port: 0 }\nstorage: { type: embedded, path: ${join(dir, 'file', 'data')} }\n`)])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /storage\.path .* is not a writable directory/)
  })

  it('serve: bad config exits 2 before starting anything', async () => {
    const r = await cli(['serve', '--config', 'config/testdata/bad-yaml.yaml'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /invalid YAML/)
  })

  it('serve: runs, answers /healthz, and shuts down cleanly on SIGTERM', async () => {
    const path = tempConfig('server: { host: 127.0.0.1, port: 0 }\nstorage: { type: embedded, path: $DIR/data }\n')
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--config', path], { cwd: ROOT })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const address = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listening line in: ${out}`)), 15_000)
      child.stdout.on('data', () => {
        const m = /"address":"(http:\/\/[^"]+)"/.exec(out)
        if (m?.[1]) (clearTimeout(t), resolve(m[1]))
      })
    })
    const res = await fetch(`${address}/healthz`)
    assert.equal(res.status, 200)
    const exit = new Promise<number | null>((r) => child.on('close', r))
    child.kill('SIGTERM')
    assert.equal(await exit, 0)
    assert.match(out, /flinkwatch stopped/)
  })

  it('prints usage for an unknown command', async () => {
    const r = await cli(['frobnicate'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /unknown command "frobnicate"/)
  })
})
