/** The `kubernetes` platform: FlinkDeployments and FlinkSessionJobs of the Flink Kubernetes Operator. */
import type { KubernetesClusterConfig } from '../../src/config/sections/clusters.js'
import type { PlatformPlugin } from '../platform.js'
import { createKubernetesActions } from './kubernetes-actions.js'
import { createKubernetesCollector } from './kubernetes-collector.js'
import { KubernetesLifecycleActions } from './kubernetes-lifecycle.js'

export const kubernetesPlatform: PlatformPlugin<KubernetesClusterConfig> = {
  type: 'kubernetes',
  createCollector: (c, d) => createKubernetesCollector(c, d),
  createActions(c, d) {
    const timeoutMs = c.requestTimeout
    const kube = createKubernetesActions({
      clock: d.clock,
      timeoutMs: Math.max(timeoutMs, 10_000),
      ...(c.url ? { url: c.url } : {}),
      inCluster: c.inCluster,
      ...(c.token ? { token: c.token } : {}),
      ...(c.tokenFile ? { tokenFile: c.tokenFile } : {}),
      ...(c.caFile ? { caFile: c.caFile } : {}),
      insecureSkipTlsVerify: c.insecureSkipTlsVerify,
    })
    return new KubernetesLifecycleActions({ cluster: c.id, kube, clock: d.clock, memory: d.memory })
  },
}
