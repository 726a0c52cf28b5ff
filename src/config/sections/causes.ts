import { Type, type Static, type StaticDecode } from '@sinclair/typebox'
import { CAUSE_CLASS_IDS } from '../../model/cause-classes.js'
import { Duration, Strict } from '../types.js'

/** One cause rule: the schema of the built-in rules (src/causes/builtin-rules.ts) and of `causes.rules`. */
export const CauseRuleConfig = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,80}$', description: 'Rule name; a user rule with a built-in id replaces it' }),
    class: Type.Union(
      CAUSE_CLASS_IDS.map((c) => Type.Literal(c)),
      { description: `one of ${CAUSE_CLASS_IDS.join(', ')}` },
    ),
    title: Type.Optional(Type.String({ maxLength: 80, description: 'Short words for titles and digests, e.g. "Kafka broker unavailable"' })),
    hint: Type.Optional(Type.String({ maxLength: 1000, description: "What it means and what to check; default: the class's hint" })),
    runbook: Type.Optional(Type.String({ format: 'uri', description: 'Runbook URL shown in the alert' })),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'Higher wins (built-ins use 10-90; user rules default to 100, above every built-in)' })),
    match: Type.Object(
      {
        exception: Type.Optional(Type.String({ description: 'regex on a cause’s class name (any cause of the chain)' })),
        message: Type.Optional(Type.String({ description: 'regex on the same cause’s message (also pod messages, YARN diagnostics, events and log lines)' })),
        frame: Type.Optional(Type.String({ description: 'regex on one of the same cause’s frames' })),
        userCode: Type.Optional(Type.Boolean({ description: 'the cause was thrown from the job’s own code (its first non-JDK frame is not a framework frame)' })),
        podReason: Type.Optional(Type.String({ description: 'regex on the Kubernetes container termination reason (OOMKilled, Evicted, Error)' })),
        exitCode: Type.Optional(Type.Array(Type.Integer(), { minItems: 1, description: 'container exit code (Kubernetes) or exit status (YARN)' })),
        text: Type.Optional(Type.String({ description: 'regex on the whole exception text (any cause, frame or line): context for the other conditions' })),
        log: Type.Optional(Type.String({ description: 'regex on a WARN+ log line of the job (or a JobManager event line)' })),
        label: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Flink failureLabels: key → regex on the value' })),
        unless: Type.Optional(Type.String({ description: 'regex that vetoes the rule when it matches any evidence (exception, pod/YARN text, events, log lines)' })),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
  },
  { additionalProperties: false },
)
export type CauseRuleConfig = Static<typeof CauseRuleConfig>

/**
 * Failure causes (issue 11): the classifier of job failures and restart loops. `rules` add to the
 * built-in rules (src/causes/builtin-rules.ts); a rule with a built-in id replaces it.
 */
export const CausesConfig = Strict(
  {
    enabled: Type.Boolean({ default: true }),
    rules: Type.Array(CauseRuleConfig, { default: [] }),
    /** Log lines read before the failure (and a tenth of it after) for evidence. */
    logWindow: Duration({ default: '5m' }),
    /** Log lines shown in the alert (one per template). */
    evidenceLines: Type.Integer({ minimum: 0, maximum: 10, default: 3 }),
    similarFailures: Type.Boolean({
      default: true,
      description: 'When no rule matches, name the class of the known failures this one resembles most ("Likely: …"), instead of unknown',
    }),
  },
  { default: {} },
)
export type CausesConfig = StaticDecode<typeof CausesConfig>
