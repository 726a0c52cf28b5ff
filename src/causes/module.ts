/**
 * The failure-cause feature: classifies a job failure or restart loop when its incident fires and
 * gives the incident `cause: { class, owner, hint, evidence }`. The alerting module calls
 * `enrich` (an AlertEngine option); app.ts wires the two. Each classified failure is recorded in
 * the `failure_causes` collection (for "how often in the last 7 days") and counted in
 * `flinkwatch_job_failures_total{cluster,job_name,cause}`.
 */
import { Counter } from 'prom-client'
import type { AppContext, FeatureModule } from '../core/feature.js'
import type { AlertEvent, IncidentCause } from '../model/alert.js'
import type { JobSnapshot } from '../model/job.js'
import { BUILTIN_CAUSE_RULES } from './builtin-rules.js'
import { RuleClassifier, type CauseClassifier } from './classifier.js'
import { SimilarFailuresClassifier, shippedModel } from './similar-failures.js'
import { pickEvidence } from './pick-evidence.js'
import { FailureEvidence } from './evidence.js'
import { causeRules } from './check.js'
import { FailureCounts, failureCausesCollection } from './failure-counts.js'

/** Rule kinds whose incidents are job failures. */
export const FAILURE_RULE_KINDS: ReadonlySet<string> = new Set(['job-failed', 'restart-loop'])

export interface CausesModule extends FeatureModule {
  readonly classifier: CauseClassifier
  readonly evidence: FailureEvidence
  /** The AlertEngine's `enrich` hook: the cause of a job-failure incident; undefined for other kinds. */
  enrich(a: AlertEvent, ruleKind: string): Promise<{ cause: IncidentCause } | null> | undefined
}

export function createCausesModule(ctx: AppContext, deps: { job(cluster: string, jobId: string): JobSnapshot | undefined }): CausesModule {
  const cfg = ctx.config.causes
  const rules = new RuleClassifier(causeRules(ctx.config))
  const classifier: CauseClassifier = cfg.similarFailures ? new SimilarFailuresClassifier(rules, shippedModel()) : rules
  // Lines shipped through Kafka may trail the failure by a second or two; HTTP-ingested ones are stored before they are acknowledged.
  const lateLinesMs = ctx.config.logs.kafka ? 2000 : 0
  const evidence = new FailureEvidence({ store: ctx.store, job: deps.job, windowMs: cfg.logWindow, lateLinesMs, clock: ctx.clock })
  const failures = new Counter({ name: 'flinkwatch_job_failures_total', help: 'Job failures and restart loops, by the cause flinkwatch classified', labelNames: ['cluster', 'job_name', 'cause'], registers: [ctx.registry] })
  const base = ctx.config.alerting.links.flinkwatchUrl ?? ctx.config.server.publicUrl ?? null
  const logger = ctx.logger.child({ component: 'causes' })
  const unsubscribe: (() => void)[] = []

  const counts = new FailureCounts({ store: ctx.store, logger })
  const countSame = async (a: AlertEvent, cls: string, at: number): Promise<number> => {
    if (!a.jobName) return 1
    try {
      return await counts.countAndRecord({ id: a.id, cluster: a.cluster, jobName: a.jobName, jobId: a.jobId ?? null, class: cls, at })
    } catch (err) {
      logger.warn({ err }, 'counting earlier failures failed')
      return 1
    }
  }

  return {
    name: 'causes',
    collections: [failureCausesCollection],
    components: [
      {
        name: 'failure-causes',
        start: async () => {
          unsubscribe.push(ctx.bus.subscribe('cluster.incident', (e) => evidence.onIncident(e.incident)))
          unsubscribe.push(ctx.bus.subscribe('fleet.updated', (e) => evidence.onFleet(e.cluster, e.jobs)))
        },
        stop: async () => {
          unsubscribe.splice(0).forEach((u) => u())
          await counts.idle()
        },
        readiness: () => ({ ready: true, detail: `${BUILTIN_CAUSE_RULES.length} built-in + ${cfg.rules.length} configured cause rules` }),
      },
    ],
    classifier,
    evidence,
    enrich(a, ruleKind) {
      if (!cfg.enabled || !FAILURE_RULE_KINDS.has(ruleKind)) return undefined
      return (async () => {
        const at = a.detectedAt ?? a.startsAt
        const g = await evidence.gather({ cluster: a.cluster, jobId: a.jobId, jobName: a.jobName, at })
        const v = classifier.classify(g.input)
        failures.inc({ cluster: a.cluster, job_name: a.jobName ?? '', cause: v.class })
        const count = await countSame(a, v.class, at)
        const cause = pickEvidence(v, g.logs, { base, cluster: a.cluster, jobId: a.jobId, jobName: a.jobName, at, windowMs: cfg.logWindow, lines: cfg.evidenceLines, count })
        logger.info({ cluster: a.cluster, job: a.jobName, cause: v.class, rule: v.rule }, `failure classified: ${v.class}`)
        return { cause }
      })()
    },
  }
}
