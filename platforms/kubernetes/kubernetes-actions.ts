/**
 * Lifecycle transport for the Flink Kubernetes Operator (flink-apis.md §4.2, §6): every action is a JSON
 * merge patch (`Content-Type: application/merge-patch+json`; CRDs have no strategic merge patch) of the
 * FlinkDeployment / FlinkSessionJob spec, which the operator then carries out:
 * - restart: `spec.restartNonce` (an upgrade in `spec.job.upgradeMode`),
 * - savepoint: `spec.job.savepointTriggerNonce`,
 * - suspend / resume: `spec.job.state: suspended | running`,
 * - redeploy from a chosen savepoint: `spec.job.initialSavepointPath` + `spec.job.savepointRedeployNonce`.
 * Nonces must change to take effect: a new one is the current time, above the resource's current value.
 * Progress is read back with `get()` (status.lifecycleState, status.jobStatus, status.error).
 */
import type { Clock } from '../../src/core/clock.js'
import { createKubeClient, type KubeClient, type KubeClientOptions } from './kube-client.js'
import { crPath, mergePatchResource } from './kube-api.js'
import { FlinkDeploymentDto, FlinkSessionJobDto } from './kube-types.js'
import { NotFoundError, UpstreamError } from '../../src/core/errors.js'
import { Type } from '@sinclair/typebox'
import { decodeJson } from '../../src/core/http/json.js'

export interface KubernetesResourceRef {
  kind: 'FlinkDeployment' | 'FlinkSessionJob'
  namespace: string
  name: string
}

export interface ResourceStatus {
  lifecycleState: string | null
  jobState: string | null
  jobId: string | null
  error: string | null
  lastSavepoint: string | null
  upgradeSavepointPath: string | null
}

export interface KubernetesActions {
  /** Bumps spec.restartNonce; resolves with the nonce written. */
  restart(ref: KubernetesResourceRef, signal?: AbortSignal): Promise<number>
  /** Bumps spec.job.savepointTriggerNonce. */
  triggerSavepoint(ref: KubernetesResourceRef, signal?: AbortSignal): Promise<number>
  suspend(ref: KubernetesResourceRef, signal?: AbortSignal): Promise<void>
  resume(ref: KubernetesResourceRef, signal?: AbortSignal): Promise<void>
  redeployFromSavepoint(ref: KubernetesResourceRef, savepointPath: string, signal?: AbortSignal): Promise<number>
  get(ref: KubernetesResourceRef, signal?: AbortSignal): Promise<ResourceStatus>
}

const Nonces = Type.Object({
  spec: Type.Optional(
    Type.Object({
      restartNonce: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
      job: Type.Optional(
        Type.Union([
          Type.Null(),
          Type.Object({
            savepointTriggerNonce: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
            savepointRedeployNonce: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
          }),
        ]),
      ),
    }),
  ),
})

export type KubernetesActionsOptions = { client?: KubeClient } & Omit<KubeClientOptions, 'timeoutMs'> & { timeoutMs?: number }

export function createKubernetesActions(o: KubernetesActionsOptions): KubernetesActions {
  const { client: injected, timeoutMs, ...connection } = o
  const options: KubeClientOptions = { ...connection, timeoutMs: timeoutMs ?? 10_000 }
  const client = injected ?? createKubeClient(options)
  const path = (ref: KubernetesResourceRef): string => crPath(ref.kind === 'FlinkDeployment' ? 'flinkdeployments' : 'flinksessionjobs', ref.namespace, ref.name)

  async function fetchRaw(ref: KubernetesResourceRef, signal?: AbortSignal): Promise<string> {
    const res = await client.request(path(ref), { signal })
    if (res.status === 404) throw new NotFoundError(`${ref.kind} ${ref.namespace}/${ref.name} not found`)
    if (res.status !== 200) throw new UpstreamError('Kubernetes API server', client.baseUrl + path(ref), `Kubernetes API server answered HTTP ${res.status} for ${ref.kind} ${ref.namespace}/${ref.name}`, { status: res.status, retriable: res.status >= 500 })
    return res.text
  }

  /** A nonce the operator has not seen: the current time, or one above the resource's value. */
  async function nextNonce(ref: KubernetesResourceRef, pick: (n: typeof Nonces.static) => number | null | undefined, signal?: AbortSignal): Promise<number> {
    const current = pick(decodeJson('Kubernetes API server', client.baseUrl + path(ref), await fetchRaw(ref, signal), Nonces)) ?? 0
    return Math.max(o.clock.now(), current + 1)
  }

  const patch = (ref: KubernetesResourceRef, body: unknown, signal?: AbortSignal): Promise<unknown> => mergePatchResource(client, path(ref), body, signal)

  return {
    async restart(ref, signal) {
      const nonce = await nextNonce(ref, (n) => n.spec?.restartNonce, signal)
      await patch(ref, { spec: { restartNonce: nonce } }, signal)
      return nonce
    },
    async triggerSavepoint(ref, signal) {
      const nonce = await nextNonce(ref, (n) => n.spec?.job?.savepointTriggerNonce, signal)
      await patch(ref, { spec: { job: { savepointTriggerNonce: nonce } } }, signal)
      return nonce
    },
    async suspend(ref, signal) {
      await patch(ref, { spec: { job: { state: 'suspended' } } }, signal)
    },
    async resume(ref, signal) {
      await patch(ref, { spec: { job: { state: 'running' } } }, signal)
    },
    async redeployFromSavepoint(ref, savepointPath, signal) {
      const nonce = await nextNonce(ref, (n) => n.spec?.job?.savepointRedeployNonce, signal)
      await patch(ref, { spec: { job: { initialSavepointPath: savepointPath, savepointRedeployNonce: nonce } } }, signal)
      return nonce
    },
    async get(ref, signal) {
      const url = client.baseUrl + path(ref)
      const text = await fetchRaw(ref, signal)
      const r = ref.kind === 'FlinkDeployment' ? decodeJson('Kubernetes API server', url, text, FlinkDeploymentDto) : decodeJson('Kubernetes API server', url, text, FlinkSessionJobDto)
      const js = r.status?.jobStatus
      return {
        lifecycleState: r.status?.lifecycleState ?? null,
        jobState: js?.state ?? null,
        jobId: js?.jobId ?? null,
        error: r.status?.error ?? null,
        lastSavepoint: js?.savepointInfo?.lastSavepoint?.location ?? null,
        upgradeSavepointPath: js?.upgradeSavepointPath ?? null,
      }
    },
  }
}
