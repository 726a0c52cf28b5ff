#!/usr/bin/env node
// npm test: typecheck, lint (ESLint and the dependency rules), unit tests, then
// integration tests against the real loopback stack (started here when it is
// not up). `node test/run.mjs unit`, `lint` or `integration` runs one part;
// extra args filter test files by substring.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const [part = 'all', ...filters] = process.argv.slice(2)
const root = new URL('..', import.meta.url).pathname
// The source folders the layering rules cover (.dependency-cruiser.cjs); platforms/ once it exists.
const DEPCRUISE_DIRS = ['src', 'alerting', 'collectors', 'platforms', 'dashboards', 'test'].filter((d) => existsSync(join(root, d)))
const DEPCRUISE_ARGS = ['--config', '.dependency-cruiser.cjs', '--output-type', 'err', ...DEPCRUISE_DIRS]

function files(dir) {
  const out = []
  let entries = []
  try {
    entries = readdirSync(join(root, dir))
  } catch {
    return out
  }
  for (const e of entries.sort()) {
    const p = join(dir, e)
    if (statSync(join(root, p)).isDirectory()) out.push(...files(p))
    else if (e.endsWith('.test.ts')) out.push(p)
  }
  return out.filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
}

function run(cmd, args, env = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } })
  return r.status ?? 1
}

function nodeTest(list, concurrency) {
  if (list.length === 0) return 0
  return run(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...list])
}

let status = 0
const started = Date.now()
if (part === 'all' && filters.length === 0) status ||= run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', '.'])
if (status === 0 && ((part === 'all' && filters.length === 0) || part === 'lint')) {
  status ||= run(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '.'])
  status ||= run(process.execPath, [join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), ...DEPCRUISE_ARGS])
}
if (status === 0 && (part === 'all' || part === 'unit')) status ||= nodeTest(files('test/unit'), 2)
if (status === 0 && (part === 'all' || part === 'integration')) {
  const integration = files('test/integration')
  if (integration.length > 0) {
    status ||= run('bash', [join(root, 'test/stack/up.sh')])
    // One at a time: they share one Flink, Kafka and Elasticsearch.
    if (status === 0) status ||= nodeTest(integration, 1)
  }
}
console.log(`\n${status === 0 ? 'PASS' : 'FAIL'} (${((Date.now() - started) / 1000).toFixed(1)}s)`)
process.exit(status)
