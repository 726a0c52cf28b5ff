/**
 * Every invariant `flinkwatch serve` holds a loaded config to, in one place: `check-config` and `serve` both
 * run `checkConfig`, so the check exits 2 exactly when the service would refuse to start. Loading
 * (load.ts) is the schema, defaults and the cross-references; this adds what needs the environment
 * (files, variables) or a library (cron), and the checks features own (rules files), passed in by the caller
 * because config sits below the features.
 */
import { readFileSync } from 'node:fs'
import cron from 'node-cron'
import { isLoopback } from '../core/net.js'
import type { FlinkwatchConfig } from './schema.js'
import { onCallChecks } from './sections/oncall.js'

/** One check: the problems it finds, each one line "path: what is wrong". */
export type ConfigCheck = (config: FlinkwatchConfig, env: NodeJS.ProcessEnv) => string[]

export interface CheckOptions {
  /** Checks the features own (e.g. alerting's rules file), run after the ones here. */
  featureChecks?: readonly ConfigCheck[]
  env?: NodeJS.ProcessEnv
}

/** Where a pod's service account credentials are mounted (the Kubernetes client reads the same path). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'

export function checkConfig(config: FlinkwatchConfig, opts: CheckOptions = {}): string[] {
  const env = opts.env ?? process.env
  return [...CONFIG_CHECKS, ...(opts.featureChecks ?? [])].flatMap((check) => check(config, env))
}

/** Invariants one field cannot see on its own: duplicate ids, dangling references, pairs set together. */
export function crossReferences(c: FlinkwatchConfig): string[] {
  const out: string[] = []
  const dup = <T>(items: T[], key: (t: T) => string, path: string): void => {
    const seen = new Map<string, number>()
    items.forEach((it, i) => {
      const k = key(it)
      const first = seen.get(k)
      if (first !== undefined) out.push(`${path}[${i}].id: duplicate id ${JSON.stringify(k)} (also ${path}[${first}])`)
      else seen.set(k, i)
    })
  }
  dup(c.clusters, (x) => x.id, 'clusters')
  dup(c.alerting.channels, (x) => x.id, 'alerting.channels')
  c.clusters.forEach((cl, i) => {
    if (cl.type === 'kubernetes') {
      if (!cl.url && !cl.inCluster) out.push(`clusters[${i}].url: is required unless inCluster is true`)
      if (cl.token && cl.tokenFile) out.push(`clusters[${i}].token: set at most one of token and tokenFile`)
    }
  })
  const channelIds = new Set(c.alerting.channels.map((x) => x.id))
  c.alerting.routes.forEach((r, i) =>
    r.channels.forEach((id, j) => {
      if (!channelIds.has(id)) out.push(`alerting.routes[${i}].channels[${j}]: undefined channel ${JSON.stringify(id)}`)
    }),
  )
  out.push(...onCallChecks(c.alerting))
  if (c.ha.enabled && c.storage.type === 'embedded') out.push('ha.enabled: needs storage.type elasticsearch (the embedded store serves one process)')
  if (c.ha.leaseTtl < 2 * c.ha.heartbeat) out.push('ha.leaseTtl: must be at least twice ha.heartbeat (a lease must survive one missed renewal)')
  c.autoRestart.jobs.forEach((j, i) => {
    if (j.jarId && j.jarPath) out.push(`autoRestart.jobs[${i}].jarId: set at most one of jarId and jarPath`)
  })
  const tokens = new Map<string, number>()
  c.auth.tokens.forEach((t, i) => {
    const first = tokens.get(t.token)
    if (first !== undefined) out.push(`auth.tokens[${i}].token: same token as auth.tokens[${first}]`)
    tokens.set(t.token, i)
  })
  return out
}

/** An API on a non-loopback address without tokens would let anyone on the network restart jobs. */
function serverAuth(c: FlinkwatchConfig): string[] {
  if (c.auth.tokens.length > 0 || isLoopback(c.server.host)) return []
  return [
    `server.host: is ${c.server.host} but auth.tokens is empty: flinkwatch refuses to serve its API without tokens on a non-loopback address; configure auth.tokens or bind to 127.0.0.1`,
  ]
}

function cronSchedules(c: FlinkwatchConfig): string[] {
  const r = c.recommendations
  if (!r.enabled || cron.validate(r.schedule)) return []
  return [`recommendations.schedule: "${r.schedule}" is not a valid cron expression (e.g. "*/15 * * * *")`]
}

/** What the Kubernetes client needs when it is built: an address, and a readable CA file for https. */
function kubernetesAccess(c: FlinkwatchConfig, env: NodeJS.ProcessEnv): string[] {
  const out: string[] = []
  c.clusters.forEach((cl, i) => {
    if (cl.type !== 'kubernetes') return
    if (cl.inCluster && !cl.url && !env['KUBERNETES_SERVICE_HOST']) {
      out.push(`clusters[${i}].inCluster: is true but KUBERNETES_SERVICE_HOST is not set: flinkwatch is not running in a pod; set url (and token/caFile) instead`)
      return
    }
    const https = cl.url ? cl.url.startsWith('https:') : cl.inCluster
    const caFile = cl.caFile ?? (cl.inCluster ? `${SERVICE_ACCOUNT_DIR}/ca.crt` : undefined)
    if (!https || !caFile) return
    try {
      readFileSync(caFile)
    } catch (err) {
      out.push(`clusters[${i}].caFile: cannot read the Kubernetes CA file ${caFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
    }
  })
  return out
}

const CONFIG_CHECKS: readonly ConfigCheck[] = [crossReferences, serverAuth, cronSchedules, kubernetesAccess]
