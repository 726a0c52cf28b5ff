import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { readFileSync } from 'node:fs'
import { ConfigError } from '../../../src/core/errors.js'
import { loadConfigFile, parseConfig, resolveConfigPath } from '../../../src/config/load.js'
import { configJsonSchema } from '../../../src/config/write-schema.js'
import { parseDuration } from '../../../src/core/duration.js'

function problems(fn: () => unknown): string[] {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`)
    return [...err.problems]
  }
  assert.fail('expected the config to be rejected')
}

describe('config loading', () => {
  it('accepts the shipped default config: embedded store, loopback, no clusters', () => {
    const c = loadConfigFile('config/flinkwatch.yaml')
    assert.equal(c.storage.type, 'embedded')
    assert.equal(c.server.host, '127.0.0.1')
    assert.equal(c.server.port, 8080)
  })

  it('fills defaults, including those of the union member the type selects', () => {
    const c = loadConfigFile('config/testdata/good-full.yaml', {})
    assert.equal(c.storage.type === 'elasticsearch' && c.storage.requestTimeout, 30_000, 'durations are milliseconds after load')
    const [flink, yarn] = c.clusters
    assert.equal(flink?.downAfter, 3)
    assert.equal(yarn?.type === 'yarn' && yarn.jobManagerAccess, 'proxy')
    assert.equal(c.auth.tokens[0]?.token, 'change-me-please', '${VAR:-default} falls back')
    assert.equal(c.alerting.repeatInterval, 4 * 3_600_000)
    assert.equal(c.clusters[1]?.pollInterval, 30_000, 'a written duration too')
    assert.equal(c.autoRestart.jobs[0]?.window, undefined, 'an optional duration stays absent')
    assert.equal(c.logs.maxRecordBytes, 32768)
  })

  it('names the path of a bad URL', () => {
    assert.deepEqual(problems(() => loadConfigFile('config/testdata/bad-url.yaml')), ['clusters[0].url: must be an http(s) URL'])
  })

  it('reports every problem at once, each with its path', () => {
    const p = problems(() => loadConfigFile('config/testdata/bad-many.yaml', {}))
    for (const expected of [
      'auth.tokens[0].token: environment variable FW_TEST_UNSET_TOKEN is not set',
      'server.port: must be a port number 0-65535',
      'server.colour: unknown key',
      'storage.node: is required',
      'storage.indexPrefix: must be lowercase letters, digits, "_" or "-"',
      'clusters[0].pollInterval: must be a duration like 500ms, 5s, 10m, 1h or 7d',
      'clusters[1].type: must be one of flink, yarn, kubernetes',
      'auth.tokens[0].role: must be one of viewer, operator, admin',
    ]) {
      assert.ok(p.includes(expected), `missing ${JSON.stringify(expected)} in:\n${p.join('\n')}`)
    }
  })

  it('interpolates environment variables into values, not into YAML syntax', () => {
    const c = parseConfig('auth: { tokens: [ { name: a, token: "${FW_T}", role: admin } ] }', { FW_T: 'tok: with "quotes" #hash' })
    assert.equal(c.auth.tokens[0]?.token, 'tok: with "quotes" #hash')
  })

  it('catches duplicates and dangling references across sections', () => {
    const p = problems(() =>
      parseConfig(
        `clusters: [ { id: a, type: flink, url: "http://x:1" }, { id: a, type: flink, url: "http://x:2" } ]
alerting: { routes: [ { channels: [nope] } ] }`,
        {},
      ),
    )
    assert.deepEqual(p, ['clusters[1].id: duplicate id "a" (also clusters[0])', 'alerting.routes[0].channels[0]: undefined channel "nope"'])
  })

  it('on-call keys: escalation channels must exist, a window is one-off or recurring, cron and time zone must parse', () => {
    const p = problems(() =>
      parseConfig(
        `alerting:
  ackLinks: { secret: "\${FW_ACK}", ttl: 2h }
  channels: [ { id: lead, type: slack, url: "http://x/hook" } ]
  routes: [ { channels: [lead], repeatInterval: 1h, escalate: [ { after: 15m, channels: [lead] }, { after: 45m, channels: [boss] } ] } ]
  maintenance:
    - { id: ok, match: { cluster: prod }, cron: "0 3 * * SUN", duration: 2h, timeZone: Europe/Berlin, pauseAutoRestart: true }
    - { id: both, from: "2026-04-01T00:00:00Z", to: "2026-04-01T02:00:00Z", cron: "0 3 * * *", duration: 1h }
    - { id: tz, cron: "0 3 * * *", duration: 1h, timeZone: Nowhere/Land }
    - { id: backwards, from: "2026-04-01T02:00:00Z", to: "2026-04-01T00:00:00Z" }
    - { id: ok, from: "2026-04-01T00:00:00Z", to: "2026-04-01T02:00:00Z" }`,
        { FW_ACK: 'sixteen-chars-or-more' },
      ),
    )
    assert.deepEqual(p, [
      'alerting.routes[0].escalate[1].channels[0]: undefined channel "boss"',
      'alerting.maintenance[1].from: give either from and to (one-off) or cron and duration (recurring)',
      'alerting.maintenance[2].timeZone: unknown time zone "Nowhere/Land"',
      'alerting.maintenance[3].to: must be after from',
      'alerting.maintenance[4].id: duplicate id "ok" (also alerting.maintenance[0])',
    ])
    const c = parseConfig('alerting: { ackLinks: { secret: "${FW_ACK}" }, routes: [], maintenance: [ { id: w, cron: "0 3 * * *", duration: 1h } ] }', { FW_ACK: 'sixteen-chars-or-more' })
    assert.equal(c.alerting.ackLinks.secret, 'sixteen-chars-or-more')
    assert.equal(c.alerting.ackLinks.ttl, 24 * 3_600_000, 'decoded at load')
    assert.equal(c.alerting.maintenance[0]!.timeZone, 'UTC')
  })

  it('rejects malformed YAML with one line per error', () => {
    const p = problems(() => loadConfigFile('config/testdata/bad-yaml.yaml'))
    assert.ok(p.length >= 1)
    assert.ok(p.every((l) => l.startsWith('config/testdata/bad-yaml.yaml: invalid YAML:') && !l.includes('\n')), p.join('\n'))
  })

  it('rejects a missing file and a non-mapping document', () => {
    assert.match(problems(() => loadConfigFile('config/testdata/does-not-exist.yaml'))[0] ?? '', /cannot read config file: ENOENT/)
    assert.deepEqual(problems(() => parseConfig('- a\n- b')), ['(root): must be a mapping'])
  })

  it('picks --config, then FLINKWATCH_CONFIG, then the default path', () => {
    assert.equal(resolveConfigPath('a.yaml', { FLINKWATCH_CONFIG: 'b.yaml' }), 'a.yaml')
    assert.equal(resolveConfigPath(undefined, { FLINKWATCH_CONFIG: 'b.yaml' }), 'b.yaml')
    assert.equal(resolveConfigPath(undefined, {}), 'config/flinkwatch.yaml')
  })

  it('parses durations in every unit and refuses others', () => {
    assert.deepEqual(['500ms', '5s', '10m', '1h', '7d'].map(parseDuration), [500, 5000, 600_000, 3_600_000, 604_800_000])
    assert.throws(() => parseDuration('5'), /not a duration/)
    assert.throws(() => parseDuration('1w'), /not a duration/)
  })

  it('describes durations as text with the pattern in the JSON schema, though they load as numbers', () => {
    const schema = JSON.parse(configJsonSchema()) as { properties: { server: { properties: { shutdownTimeout: Record<string, unknown> } } } }
    const d = schema.properties.server.properties.shutdownTimeout
    assert.equal(d['type'], 'string')
    assert.equal(d['pattern'], '^[0-9]+(ms|s|m|h|d)$')
    assert.equal(d['default'], '10s')
  })

  it('ships a JSON schema that matches the code (npm run config:schema regenerates it)', () => {
    assert.equal(readFileSync('config/flinkwatch.schema.json', 'utf8'), configJsonSchema())
  })
})
