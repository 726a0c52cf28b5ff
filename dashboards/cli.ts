import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { allDashboards } from './index.js'
import { dashboardProvider, prometheusDatasource } from './provisioning.js'

const USAGE = `Usage: flinkwatch dashboards --out DIR [--dashboards-path PATH] [--prometheus-url URL]

Writes one Grafana dashboard JSON per dashboard into DIR, plus
  DIR/provisioning/dashboards/flinkwatch.yaml             (file provider reading PATH)
  DIR/provisioning/datasources/flinkwatch-prometheus.yaml (Prometheus at URL)
PATH defaults to /var/lib/grafana/dashboards/flinkwatch (where docker-compose mounts DIR),
URL to http://prometheus:9090.`

/** `flinkwatch dashboards --out DIR`: writes the dashboards and Grafana provisioning files. */
export async function dashboardsCommand(args: string[]): Promise<number> {
  let values: { out?: string; 'dashboards-path'?: string; 'prometheus-url'?: string; help?: boolean }
  try {
    values = parseArgs({
      args,
      options: { out: { type: 'string', short: 'o' }, 'dashboards-path': { type: 'string' }, 'prometheus-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values
  } catch (err) {
    console.error(`flinkwatch dashboards: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  if (!values.out) {
    console.error(`flinkwatch dashboards: --out DIR is required\n\n${USAGE}`)
    return 2
  }
  const out = resolve(values.out)
  const options = {
    dashboardsPath: values['dashboards-path'] ?? '/var/lib/grafana/dashboards/flinkwatch',
    prometheusUrl: values['prometheus-url'] ?? 'http://prometheus:9090',
  }
  try {
    mkdirSync(join(out, 'provisioning/dashboards'), { recursive: true })
    mkdirSync(join(out, 'provisioning/datasources'), { recursive: true })
    const written: string[] = []
    for (const d of allDashboards()) {
      const file = join(out, `${d.name}.json`)
      writeFileSync(file, `${JSON.stringify(d.dashboard, null, 2)}\n`)
      written.push(file)
    }
    const provider = join(out, 'provisioning/dashboards/flinkwatch.yaml')
    writeFileSync(provider, dashboardProvider(options))
    const datasource = join(out, 'provisioning/datasources/flinkwatch-prometheus.yaml')
    writeFileSync(datasource, prometheusDatasource(options))
    written.push(provider, datasource)
    for (const f of written) console.log(`wrote ${f}`)
    return 0
  } catch (err) {
    console.error(`flinkwatch dashboards: cannot write to ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    return 1
  }
}
