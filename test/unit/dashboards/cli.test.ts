import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { dashboardsCommand } from '../../../dashboards/cli.js'
import { DATASOURCE_UID } from '../../../dashboards/panels.js'

describe('flinkwatch dashboards --out DIR', () => {
  it('writes one JSON per dashboard, a dashboard provider and the Prometheus datasource', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fw-dash-'))
    const code = await dashboardsCommand(['--out', out, '--prometheus-url', 'http://prom.example:9090', '--dashboards-path', '/dash'])
    assert.equal(code, 0)
    const files = readdirSync(out).filter((f) => f.endsWith('.json')).sort()
    assert.deepEqual(files, ['flinkwatch-checkpoints.json', 'flinkwatch-fleet.json', 'flinkwatch-job.json', 'flinkwatch-self.json'])
    for (const f of files) {
      const d = JSON.parse(readFileSync(join(out, f), 'utf8')) as { uid: string; title: string; panels: unknown[] }
      assert.equal(`${d.uid}.json`, f)
      assert.ok(d.panels.length > 0)
    }
    const provider = parse(readFileSync(join(out, 'provisioning/dashboards/flinkwatch.yaml'), 'utf8')) as { providers: { type: string; options: { path: string } }[] }
    assert.equal(provider.providers[0]?.type, 'file')
    assert.equal(provider.providers[0]?.options.path, '/dash')
    const ds = parse(readFileSync(join(out, 'provisioning/datasources/flinkwatch-prometheus.yaml'), 'utf8')) as { datasources: { uid: string; type: string; url: string }[] }
    assert.deepEqual(ds.datasources.map((d) => [d.uid, d.type, d.url]), [[DATASOURCE_UID, 'prometheus', 'http://prom.example:9090']])
    // The dashboards' datasource variable defaults to the provisioned one.
    const fleet = JSON.parse(readFileSync(join(out, 'flinkwatch-fleet.json'), 'utf8')) as { templating: { list: { name: string; current?: { value: string } }[] } }
    assert.equal(fleet.templating.list.find((v) => v.name === 'datasource')?.current?.value, DATASOURCE_UID)
  })

  it('exits 2 with usage when --out is missing or an option is unknown', async () => {
    assert.equal(await dashboardsCommand([]), 2)
    assert.equal(await dashboardsCommand(['--out', '/tmp/x', '--bogus']), 2)
  })
})
