/** The Kubernetes REST paths flinkwatch uses (flink-apis.md §4.1, §4.4), decoded item by item. */
import { Value } from '@sinclair/typebox/value'
import type { TSchema, Static } from '@sinclair/typebox'
import { firstSchemaError, statusError } from '../../src/core/http/json.js'
import type { KubeClient } from './kube-client.js'
import { EventDto, FlinkDeploymentDto, FlinkSessionJobDto, FlinkStateSnapshotDto, KubeList, PodDto } from './kube-types.js'

export const FLINK_API = '/apis/flink.apache.org/v1beta1'

export interface Listed<T> {
  items: T[]
  /** Items that failed to decode, with the reason. */
  rejected: string[]
  /** The list's `metadata.resourceVersion`: where a watch of the same selection starts. */
  resourceVersion: string | null
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
  /** Operator 1.10+; a 404 means the FlinkStateSnapshot CRD is not installed. */
  listFlinkStateSnapshots(n: Namespace, signal?: AbortSignal): Promise<Listed<FlinkStateSnapshotDto>>
}

/**
 * A pod watch (flink-apis.md §4.4): JSON lines `{type, object}` from `resourceVersion` on, with
 * BOOKMARK events so a quiet watch still advances its resourceVersion, closed by the server after
 * `timeoutSeconds`.
 */
export function podWatchPath(n: Namespace, labelSelector: string, resourceVersion: string, timeoutSeconds: number): string {
  const q = new URLSearchParams({ labelSelector, watch: 'true', allowWatchBookmarks: 'true', resourceVersion, timeoutSeconds: String(timeoutSeconds) })
  return `/api/v1${ns(n)}/pods?${q.toString().replace(/\+/g, '%20')}`
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
    return { items, rejected, resourceVersion: body.metadata?.resourceVersion ?? null }
  }
  return {
    listFlinkDeployments: (n, signal) => list(`${FLINK_API}${ns(n)}/flinkdeployments`, FlinkDeploymentDto, signal),
    listFlinkSessionJobs: (n, signal) => list(`${FLINK_API}${ns(n)}/flinksessionjobs`, FlinkSessionJobDto, signal),
    listPods: (n, labelSelector, signal) => list(`/api/v1${ns(n)}/pods?labelSelector=${encodeURIComponent(labelSelector)}`, PodDto, signal),
    listEvents: (n, fieldSelector, signal) => list(`/api/v1${ns(n)}/events?fieldSelector=${encodeURIComponent(fieldSelector)}`, EventDto, signal),
    listFlinkStateSnapshots: (n, signal) => list(`${FLINK_API}${ns(n)}/flinkstatesnapshots`, FlinkStateSnapshotDto, signal),
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
