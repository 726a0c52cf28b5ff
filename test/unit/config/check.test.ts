/**
 * `check-config` and `serve` agree on every file in config/testdata/: check-config's verdict (load, then
 * the serve checks, as src/cli.ts runs them) next to serve's (load, then build the whole app without
 * starting or listening). A file named bad-* must be refused by both, good-* accepted by both.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { buildApp } from '../../../src/app.js'
import { checkConfig } from '../../../src/config/check.js'
import { loadConfigFile } from '../../../src/config/load.js'
import { ConfigError, errorMessage } from '../../../src/core/errors.js'
import { checkServeConfig } from '../../../src/serve-checks.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import { captureLogger, testConfig } from '../../helpers/service.js'

const DIR = 'config/testdata'
// No KUBERNETES_SERVICE_HOST and none of the variables the files interpolate: the same verdict on every machine.
const ENV: NodeJS.ProcessEnv = {}

interface Verdict {
  refused: boolean
  problems: string[]
}

function refusal(err: unknown): Verdict {
  return { refused: true, problems: err instanceof ConfigError ? [...err.problems] : [errorMessage(err)] }
}

function checkConfigVerdict(path: string): Verdict {
  try {
    const problems = checkServeConfig(loadConfigFile(path, ENV), ENV)
    return { refused: problems.length > 0, problems }
  } catch (err) {
    return refusal(err)
  }
}

async function serveVerdict(path: string): Promise<Verdict> {
  try {
    const config = loadConfigFile(path, ENV)
    // The store is the one thing replaced: serve would open it next, after every check.
    const store = SqliteStore.open(mkdtempSync(join(tmpdir(), 'fw-check-')))
    const app = await buildApp(config, { logger: captureLogger().logger, store })
    await app.stop()
    return { refused: false, problems: [] }
  } catch (err) {
    return refusal(err)
  }
}

describe('check-config and serve agree', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort()

  it('covers good and bad files', () => {
    assert.ok(files.filter((f) => f.startsWith('good-')).length >= 2, files.join(' '))
    assert.ok(files.filter((f) => f.startsWith('bad-')).length >= 8, files.join(' '))
  })

  for (const file of files) {
    it(file, async () => {
      const path = join(DIR, file)
      const check = checkConfigVerdict(path)
      const serve = await serveVerdict(path)
      assert.equal(check.refused, file.startsWith('bad-'), `check-config on ${file}: ${check.problems.join('; ')}`)
      assert.equal(serve.refused, check.refused, `serve on ${file}: ${serve.problems.join('; ')}`)
      // Serve refuses with the check's own lines, not with an error of its own.
      if (serve.refused) assert.deepEqual(serve.problems, check.problems)
    })
  }
})

describe('checkConfig', () => {
  const problemsOf = (partial: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): string[] => checkConfig(testConfig(partial), { env })

  it('names each invariant by its path', () => {
    assert.match(problemsOf({ server: { host: '0.0.0.0' } })[0] ?? '', /^server\.host: is 0\.0\.0\.0 but auth\.tokens is empty/)
    assert.deepEqual(problemsOf({ server: { host: '::1' } }), [])
    assert.deepEqual(problemsOf({ recommendations: { schedule: 'not a cron' } }), ['recommendations.schedule: "not a cron" is not a valid cron expression (e.g. "*/15 * * * *")'])
    assert.deepEqual(problemsOf({ recommendations: { schedule: '*/5 * * * *' } }), [])
  })

  it('reads the environment it is given: inCluster needs KUBERNETES_SERVICE_HOST', () => {
    const k8s = { clusters: [{ id: 'k', type: 'kubernetes', url: 'http://127.0.0.1:6443', inCluster: true }] }
    assert.deepEqual(problemsOf(k8s), [], 'an explicit url needs no service host')
    const noUrl = { clusters: [{ id: 'k', type: 'kubernetes', inCluster: true }] }
    assert.match(problemsOf(noUrl)[0] ?? '', /^clusters\[0\]\.inCluster: is true but KUBERNETES_SERVICE_HOST is not set/)
    // In a pod the service account's CA must be readable (it is not on this machine).
    assert.match(problemsOf(noUrl, { KUBERNETES_SERVICE_HOST: '10.0.0.1' })[0] ?? '', /^clusters\[0\]\.caFile: cannot read the Kubernetes CA file \/var\/run\/secrets/)
  })

  it('runs the feature checks it is given, after its own', () => {
    const seen: string[] = []
    const problems = checkConfig(testConfig({ server: { host: '10.1.2.3' } }), { env: {}, featureChecks: [(c) => (seen.push(c.server.host), ['feature: no'])] })
    assert.deepEqual(seen, ['10.1.2.3'])
    assert.equal(problems.length, 2)
    assert.equal(problems[1], 'feature: no')
  })
})
