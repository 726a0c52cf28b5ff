/** The ResourceManager calls flinkwatch makes (flink-apis.md §3), decoded at the edge. */
import { Value } from '@sinclair/typebox/value'
import type { Clock } from '../../src/core/clock.js'
import { UpstreamError } from '../../src/core/errors.js'
import { decodeJson, firstSchemaError, requestJson, sendRequest, statusError, type FetchLike, type HttpJsonOptions } from '../../src/core/http/json.js'
import { YarnAppDto, YarnAppResponse, YarnAppStateResponse, YarnAppsResponse, type YarnAppState } from './yarn-types.js'

export interface YarnApiOptions {
  /** RM web address, e.g. http://rm:8088. */
  url: string
  /** Simple-auth user (`user.name`) on non-secure clusters; also filters the app list. */
  user?: string
  queue?: string
  applicationType?: string
  timeoutMs: number
  clock: Clock
  fetch?: FetchLike
}

export interface AppListResult {
  apps: YarnAppDto[]
  /** Entries that failed to decode, with the reason (the rest of the list is still used). */
  rejected: string[]
}

export interface KillResult {
  /** 202 while the kill is in progress, 200 once KILLED (or already terminal). */
  status: number
  state: string
}

export interface YarnApi {
  readonly baseUrl: string
  listApps(states: readonly YarnAppState[], signal?: AbortSignal): Promise<AppListResult>
  getApp(id: string, signal?: AbortSignal): Promise<YarnAppDto>
  getAppState(id: string, signal?: AbortSignal): Promise<string>
  /** PUT /ws/v1/cluster/apps/{id}/state {"state":"KILLED"}. */
  putKilled(id: string, signal?: AbortSignal): Promise<KillResult>
  /** The RM web proxy base of an application: <rm>/proxy/<appId>/. */
  proxyUrl(id: string): string
}

export function createYarnApi(o: YarnApiOptions): YarnApi {
  const baseUrl = o.url.replace(/\/+$/, '')
  const http: HttpJsonOptions = { upstream: 'YARN ResourceManager', clock: o.clock, timeoutMs: o.timeoutMs, fetch: o.fetch }
  const appUrl = (id: string, suffix = ''): string => {
    if (!/^application_[0-9]+_[0-9]+$/.test(id)) throw new UpstreamError('YARN ResourceManager', baseUrl, `not a YARN application id: ${JSON.stringify(id)}`, { retriable: false, code: 'ERR_BAD_REQUEST' })
    const u = new URL(`${baseUrl}/ws/v1/cluster/apps/${id}${suffix}`)
    if (o.user) u.searchParams.set('user.name', o.user)
    return u.toString()
  }
  return {
    baseUrl,
    async listApps(states, signal) {
      const u = new URL(`${baseUrl}/ws/v1/cluster/apps`)
      u.searchParams.set('states', states.join(','))
      u.searchParams.set('applicationTypes', o.applicationType ?? 'Apache Flink')
      if (o.user) u.searchParams.set('user', o.user)
      if (o.queue) u.searchParams.set('queue', o.queue)
      const body = await requestJson(http, u.toString(), YarnAppsResponse, { signal })
      const raw = body.apps?.app ?? []
      const apps: YarnAppDto[] = []
      const rejected: string[] = []
      raw.forEach((a, i) => {
        if (Value.Check(YarnAppDto, a)) apps.push(a)
        else rejected.push(`apps.app[${i}]${idOf(a)}: ${firstSchemaError(YarnAppDto, a)}`)
      })
      return { apps, rejected }
    },
    async getApp(id, signal) {
      const url = appUrl(id)
      const body = await requestJson(http, url, YarnAppResponse, { signal })
      if (!Value.Check(YarnAppDto, body.app)) return decodeJson('YARN ResourceManager', url, JSON.stringify(body.app), YarnAppDto)
      return body.app
    },
    async getAppState(id, signal) {
      return (await requestJson(http, appUrl(id, '/state'), YarnAppStateResponse, { signal })).state
    },
    async putKilled(id, signal) {
      const url = appUrl(id, '/state')
      const res = await sendRequest(http, url, { method: 'PUT', body: { state: 'KILLED' }, signal })
      if (res.status !== 200 && res.status !== 202) throw statusError('YARN ResourceManager', url, res)
      return { status: res.status, state: decodeJson('YARN ResourceManager', url, res.text, YarnAppStateResponse).state }
    },
    proxyUrl(id) {
      return `${baseUrl}/proxy/${id}/`
    },
  }
}

function idOf(a: unknown): string {
  return a !== null && typeof a === 'object' && typeof (a as { id?: unknown }).id === 'string' ? ` (${(a as { id: string }).id})` : ''
}
