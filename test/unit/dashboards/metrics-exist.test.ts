import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildApp } from '../../../src/app.js'
import { allDashboards, panelQueries, variableQueries } from '../../../dashboards/index.js'
import { DASHBOARD_METRICS, METRICS, PROMETHEUS_SYNTHETIC, metricsIn } from '../../../dashboards/queries.js'
import { captureLogger, testConfig } from '../../helpers/service.js'

describe('dashboard metrics', () => {
  it('every metric a panel or variable queries is in the one exported list', () => {
    const queries = [...panelQueries().map((q) => ({ where: `${q.dashboard} / ${q.panel}`, expr: q.expr })), ...variableQueries().map((v) => ({ where: `${v.dashboard} / $${v.variable}`, expr: v.query }))]
    assert.ok(queries.length >= 30, `expected the four dashboards' queries, found ${queries.length}`)
    const unlisted = queries.flatMap((q) => metricsIn(q.expr).filter((n) => !DASHBOARD_METRICS.includes(n) && !PROMETHEUS_SYNTHETIC.includes(n)).map((n) => `${q.where}: ${n}`))
    assert.deepEqual(unlisted, [])
    // And the list has no dead entries.
    const used = new Set(queries.flatMap((q) => metricsIn(q.expr)))
    assert.deepEqual(DASHBOARD_METRICS.filter((n) => !used.has(n)), [])
  })

  it('every listed metric is registered by flinkwatch with the type the queries assume', async () => {
    const config = testConfig({ clusters: [{ id: 'local', type: 'flink', url: 'http://127.0.0.1:8081', pollInterval: '1s' }] })
    const app = await buildApp(config, { logger: captureLogger().logger })
    try {
      const registered = new Map((await app.context.registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)]))
      const missing = DASHBOARD_METRICS.filter((n) => !registered.has(n))
      assert.deepEqual(missing, [], `metrics the dashboards query but flinkwatch does not register: ${missing.join(', ')}`)
      const wrongType = Object.values(METRICS)
        .filter((m) => registered.get(m.name) !== m.type)
        .map((m) => `${m.name}: dashboards assume ${m.type}, registered as ${registered.get(m.name)}`)
      assert.deepEqual(wrongType, [])
    } finally {
      await app.stop()
    }
  })
})

describe('dashboards', () => {
  const dashboards = allDashboards()

  it('are the fleet overview, job detail, checkpoints and flinkwatch health, with unique uids', () => {
    assert.deepEqual(dashboards.map((d) => d.name), ['flinkwatch-fleet', 'flinkwatch-job', 'flinkwatch-checkpoints', 'flinkwatch-self'])
    assert.equal(new Set(dashboards.map((d) => d.dashboard.uid)).size, 4)
  })

  it('job detail has cluster and job variables, the job one scoped to the chosen cluster', () => {
    const job = dashboards.find((d) => d.name === 'flinkwatch-job')!
    const vars = job.dashboard.templating?.list ?? []
    assert.deepEqual(vars.map((v) => v.name), ['datasource', 'cluster', 'job'])
    assert.match(String(vars.find((v) => v.name === 'job')?.query), /cluster="\$cluster"/)
    for (const q of panelQueries([job])) assert.match(q.expr, /cluster="\$cluster",job_name="\$job"/, q.panel)
  })

  it('every panel query reads the $datasource Prometheus and has a refId', () => {
    for (const d of dashboards) {
      for (const p of d.dashboard.panels ?? []) {
        if (p.type === 'row') continue
        const panel = p as { title: string; datasource?: { uid?: string }; targets?: { refId?: string; datasource?: { uid?: string } }[] }
        assert.equal(panel.datasource?.uid, '${datasource}', `${d.name} / ${panel.title}`)
        assert.ok((panel.targets ?? []).length > 0, `${d.name} / ${panel.title} has a query`)
        for (const t of panel.targets ?? []) {
          assert.ok(t.refId, `${d.name} / ${panel.title}`)
          assert.equal(t.datasource?.uid, '${datasource}')
        }
      }
    }
  })
})
