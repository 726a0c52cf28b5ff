/** The Kubernetes REST paths flinkwatch uses (flink-apis.md §4.1, §4.4), decoded item by item. */
import { Value } from '@sinclair/typebox/value'
import type { TSchema, Static } from '@sinclair/typebox'
import { firstSchemaError, statusError } from '../yarn/http-json.js'
import type { KubeClient } from './kube-client.js'
import { EventDto, FlinkDeploymentDto, FlinkSessionJobDto, KubeList, PodDto } from './kube-types.js'

export const FLINK_API = '/apis/flink.apache.org/v1beta1'

export interface Listed<T> {
  items: T[]
  /** Items that failed to decode, with the reason. */
  rejected: string[]
}

/** `null` namespace = all namespaces (cluster-wide list). */
export type Namespace = string | null

const ns = (n: Namespace): string => (n === null ? '' : `/namespaces/${encodeURIComponent(n)}`)

export function crPath(plural: 'flinkdeployments' | 'flinksessionjobs', namespace: string, name: string): string {
  return `${FLINK_API}/namespaces/${encodeURIComponent(namespace)}/${plural}/${encodeURIComponent(name)}`
}

/** REST service of a Flink cluster through the API server service proxy (port name `rest`). */
export function serviceProxyPath(namespace: string, clusterId: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(clusterId)}-rest:rest/proxy`
}

export interface KubeApi {
  listFlinkDeployments(n: Namespace, signal?: AbortSignal): Promise<Listed<FlinkDeploymentDto>>
  listFlinkSessionJobs(n: Namespace, signal?: AbortSignal): Promise<Listed<FlinkSessionJobDto>>
  listPods(n: Namespace, labelSelector: string, signal?: AbortSignal): Promise<Listed<PodDto>>
  listEvents(n: Namespace, fieldSelector: string, signal?: AbortSignal): Promise<Listed<EventDto>>
}

export function createKubeApi(client: KubeClient): KubeApi {
  async function list<S extends TSchema>(path: string, schema: S, signal?: AbortSignal): Promise<Listed<Static<S>>> {
    const body = await client.getJson(path, KubeList, signal)
    const items: Static<S>[] = []
    const rejected: string[] = []
    ;(body.items ?? []).forEach((it, i) => {
      if (Value.Check(schema, it)) items.push(it)
      else rejected.push(`${path.split('?')[0]} items[${i}]${nameOf(it)}: ${firstSchemaError(schema, it)}`)
    })
    return { items, rejected }
  }
  return {
    listFlinkDeployments: (n, signal) => list(`${FLINK_API}${ns(n)}/flinkdeployments`, FlinkDeploymentDto, signal),
    listFlinkSessionJobs: (n, signal) => list(`${FLINK_API}${ns(n)}/flinksessionjobs`, FlinkSessionJobDto, signal),
    listPods: (n, labelSelector, signal) => list(`/api/v1${ns(n)}/pods?labelSelector=${encodeURIComponent(labelSelector)}`, PodDto, signal),
    listEvents: (n, fieldSelector, signal) => list(`/api/v1${ns(n)}/events?fieldSelector=${encodeURIComponent(fieldSelector)}`, EventDto, signal),
  }
}

/** JSON merge patch of a Flink custom resource (CRDs do not support strategic merge patch). */
export async function mergePatchResource(client: KubeClient, path: string, patch: unknown, signal?: AbortSignal): Promise<unknown> {
  const res = await client.request(path, { method: 'PATCH', body: patch, contentType: 'application/merge-patch+json', signal })
  if (res.status < 200 || res.status > 299) throw statusError('Kubernetes API server', client.baseUrl + path, res)
  return JSON.parse(res.text) as unknown
}

function nameOf(it: unknown): string {
  const name = (it as { metadata?: { name?: unknown } } | null)?.metadata?.name
  return typeof name === 'string' ? ` (${name})` : ''
}
