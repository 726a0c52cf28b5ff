/**
 * Schemas of what alerting keeps in the store, checked on the way back in: a document written by an
 * older version, edited by hand or half-restored is skipped (counted in
 * `flinkwatch_alerting_invalid_documents_total{collection}` and logged once per collection and
 * reason), never cast into the engine where it would throw at start-up or later.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { Counter, type Registry } from 'prom-client'
import { onChange, type Logger } from '../../src/core/logger.js'
import type { AlertEvent, AlertTransition, Silence } from '../../src/model/alert.js'
import type { DocBody } from '../../src/storage/store.js'

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])
const Severity = Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')])

const EscalationStepDoc = Type.Object({ route: Type.Number(), level: Type.Number(), at: Type.Number(), channels: Type.Array(Type.String()), from: Type.Array(Type.String()) })
const CauseDoc = Type.Object({
  class: Type.String(),
  owner: Type.Union([Type.Literal('platform'), Type.Literal('job')]),
  hint: Type.String(),
  title: Type.String(),
  rule: Nullable(Type.String()),
  runbook: Nullable(Type.String()),
  evidence: Type.Object({
    exception: Nullable(Type.String()),
    matched: Nullable(Type.String()),
    source: Nullable(Type.String()),
    frames: Type.Array(Type.String()),
    logs: Type.Array(Type.Object({ at: Type.Number(), level: Type.String(), taskManager: Nullable(Type.String()), text: Type.String() })),
    countLast7d: Type.Number(),
    links: Type.Object({ job: Nullable(Type.String()), logs: Nullable(Type.String()) }),
  }),
})

export const AlertEventDoc = Type.Object({
  id: Type.String(),
  rule: Type.String(),
  severity: Severity,
  state: Type.Union([Type.Literal('pending'), Type.Literal('firing'), Type.Literal('resolved')]),
  cluster: Type.String(),
  jobId: Nullable(Type.String()),
  jobName: Nullable(Type.String()),
  summary: Type.String(),
  startsAt: Type.Number(),
  endsAt: Nullable(Type.Number()),
  labels: Type.Record(Type.String(), Type.String()),
  figures: Type.Record(Type.String(), Nullable(Type.Union([Type.Number(), Type.String()]))),
  detectedAt: Type.Optional(Type.Number()),
  inhibitedBy: Type.Optional(Nullable(Type.String())),
  silencedBy: Type.Optional(Nullable(Type.String())),
  notified: Type.Optional(Type.Boolean()),
  lastNotifiedAt: Type.Optional(Nullable(Type.Number())),
  reminders: Type.Optional(Type.Number()),
  notifiedAt: Type.Optional(Nullable(Type.Number())),
  remindedAt: Type.Optional(Type.Record(Type.String(), Type.Number())),
  acknowledgedBy: Type.Optional(Nullable(Type.String())),
  acknowledgedAt: Type.Optional(Nullable(Type.Number())),
  ackComment: Type.Optional(Nullable(Type.String())),
  maintenance: Type.Optional(Nullable(Type.String())),
  escalations: Type.Optional(Type.Array(EscalationStepDoc)),
  cause: Type.Optional(CauseDoc),
})

const TransitionDoc = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('firing'), Type.Literal('resolved'), Type.Literal('reminder'), Type.Literal('announce'), Type.Literal('escalation')]),
  alert: AlertEventDoc,
  at: Type.Number(),
  route: Type.Optional(Type.Number()),
  escalation: Type.Optional(EscalationStepDoc),
})

export const SilenceDoc = Type.Object({
  id: Type.String(),
  matchers: Type.Object({ cluster: Type.Optional(Type.String()), job: Type.Optional(Type.String()), rule: Type.Optional(Type.String()), severity: Type.Optional(Type.String()) }),
  startsAt: Type.Number(),
  endsAt: Type.Number(),
  createdBy: Type.String(),
  comment: Type.String(),
  expiredAt: Nullable(Type.Number()),
})

export const OutboxItemDoc = Type.Object({
  id: Type.String(),
  channel: Type.String(),
  groupKey: Type.String(),
  groupWaitMs: Type.Number(),
  holdFirst: Type.Optional(Type.Boolean()),
  transitionId: Type.String(),
  incidentId: Type.String(),
  kind: TransitionDoc.properties.kind,
  state: Type.Union([Type.Literal('pending'), Type.Literal('grouped'), Type.Literal('sent'), Type.Literal('failed')]),
  messageId: Nullable(Type.String()),
  createdAt: Type.Number(),
  sentAt: Nullable(Type.Number()),
  transition: TransitionDoc,
})

export const OutboxMessageDoc = Type.Object({
  id: Type.String(),
  channel: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('sending'), Type.Literal('sent'), Type.Literal('failed')]),
  itemIds: Type.Array(Type.String()),
  payload: Type.Record(Type.String(), Type.Unknown()),
  detectedAt: Type.Number(),
  createdAt: Type.Number(),
  attempts: Type.Number(),
  claimedBy: Nullable(Type.String()),
  sentAt: Nullable(Type.Number()),
  lastError: Nullable(Type.String()),
  notBefore: Nullable(Type.Number()),
  /** HA: the channel lease (key and epoch) the message was last written under (src/ha/fence.ts). */
  fence: Type.Optional(Type.Object({ key: Type.String(), epoch: Type.Number() })),
})

// The schemas describe the model types: a change to one that the other misses fails to compile.
const _alert: AlertEvent = {} as Static<typeof AlertEventDoc>
const _transition: AlertTransition = {} as Static<typeof TransitionDoc>
const _silence: Silence = {} as Static<typeof SilenceDoc>
void [_alert, _transition, _silence]

/** Checks stored documents against their schema; what fails is skipped, counted and logged. */
export class DocGuard {
  /** Documents skipped so far, by collection (tests, readiness details). */
  readonly skipped = new Map<string, number>()
  private readonly counter: Counter<'collection'> | undefined
  private readonly logOnce = onChange()

  constructor(private readonly logger?: Logger, registry?: Registry) {
    this.counter = registry
      ? new Counter({ name: 'flinkwatch_alerting_invalid_documents_total', help: 'Stored alerting documents skipped because they do not match their schema, by collection', labelNames: ['collection'], registers: [registry] })
      : undefined
  }

  /** The body when it matches the schema; undefined (counted, logged) when not. */
  check<S extends TSchema>(collection: string, schema: S, doc: { id: string; body: DocBody }): Static<S> | undefined {
    if (Value.Check(schema, doc.body)) return doc.body
    const first = Value.Errors(schema, doc.body).First()
    this.skip(collection, doc.id, first ? `${first.path || '/'}: ${first.message}` : 'invalid')
    return undefined
  }

  /** Every body that matches; the others are skipped. */
  all<S extends TSchema>(collection: string, schema: S, docs: readonly { id: string; body: DocBody }[]): Static<S>[] {
    const out: Static<S>[] = []
    for (const d of docs) {
      const v = this.check(collection, schema, d)
      if (v !== undefined) out.push(v)
    }
    return out
  }

  /** A document that matched its schema but is unusable anyway (a silence with a broken regex). */
  skip(collection: string, id: string, reason: string): void {
    this.skipped.set(collection, (this.skipped.get(collection) ?? 0) + 1)
    this.counter?.inc({ collection })
    this.logOnce(collection, reason, () => this.logger?.warn({ collection, id, reason }, `skipping a stored ${collection} document that is not valid (${reason}); later ones like it are counted in flinkwatch_alerting_invalid_documents_total`))
  }
}
