import { stringify } from 'yaml'
import { DATASOURCE_UID } from './panels.js'

export interface ProvisioningOptions {
  /** Where Grafana reads the dashboard JSON files (inside the Grafana container or host). */
  dashboardsPath: string
  /** The Prometheus that scrapes flinkwatch, as Grafana reaches it. */
  prometheusUrl: string
}

/** Grafana file provisioning for the dashboards (provisioning/dashboards/flinkwatch.yaml). */
export function dashboardProvider(o: ProvisioningOptions): string {
  return stringify({
    apiVersion: 1,
    providers: [
      {
        name: 'flinkwatch',
        orgId: 1,
        folder: 'flinkwatch',
        type: 'file',
        disableDeletion: false,
        // Regenerated dashboards replace edits made in the UI: the code is the source of truth.
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: o.dashboardsPath, foldersFromFilesStructure: false },
      },
    ],
  })
}

/** The Prometheus datasource the dashboards select by default (provisioning/datasources/flinkwatch-prometheus.yaml). */
export function prometheusDatasource(o: ProvisioningOptions): string {
  return stringify({
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus',
        uid: DATASOURCE_UID,
        type: 'prometheus',
        access: 'proxy',
        url: o.prometheusUrl,
        isDefault: true,
        editable: false,
        jsonData: { timeInterval: '15s' },
      },
    ],
  })
}
