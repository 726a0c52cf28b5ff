/**
 * Every lifecycle action is an asynchronous Operation: created `pending`, stored, run in the background
 * (`running` with progress messages), then `succeeded` or `failed` with a result. Each operation leaves
 * audit events (who, what, when, outcome) — one when requested, one when it ends — and every change is
 * published as `operation.updated`.
 */
import { randomUUID } from 'node:crypto'
import type { Clock } from '../core/clock.js'
import { errorMessage } from '../core/errors.js'
import type { EventBus } from '../core/event-bus.js'
import type { Logger } from '../core/logger.js'
import type { AuditEvent, Operation } from '../model/operation.js'
import type { CollectionSpec, Store } from '../storage/store.js'
import type { ActionContext, JobRef } from './actions.js'

export const OPERATIONS_COLLECTION = 'operations'
export const AUDIT_COLLECTION = 'audit_events'
export const operationsCollection: CollectionSpec = { name: OPERATIONS_COLLECTION, keywords: ['cluster', 'jobId', 'jobName', 'status', 'action', 'requestedBy'] }
export const auditCollection: CollectionSpec = { name: AUDIT_COLLECTION, keywords: ['cluster', 'jobId', 'jobName', 'action', 'outcome', 'who', 'operationId'] }

export interface AuditFilter {
  cluster?: string
  /** A job id or a job name. */
  job?: string
  from?: number
  to?: number
  limit?: number
}

export interface OperationRequest {
  action: string
  job: JobRef
  requestedBy: string
  /** Facts recorded with the request (drain, dry run, the policy that matched). */
  details?: Record<string, unknown>
  run(ctx: ActionContext): Promise<Record<string, unknown>>
}

export class OperationService {
  private readonly running = new Map<string, { promise: Promise<Operation>; abort: AbortController }>()
  private stopped = false

  constructor(private readonly o: { store: Store; bus: EventBus; clock: Clock; logger: Logger; newId?: () => string }) {}

  /** Stores the operation as pending and starts it; resolves once it is stored (not when it ends). */
  async start(req: OperationRequest): Promise<Operation> {
    const now = this.o.clock.now()
    const op: Operation = {
      id: (this.o.newId ?? randomUUID)(),
      action: req.action,
      cluster: req.job.cluster,
      jobId: req.job.jobId,
      jobName: req.job.jobName,
      status: 'pending',
      requestedBy: req.requestedBy,
      createdAt: now,
      updatedAt: now,
      message: null,
      result: null,
    }
    await this.save(op)
    await this.audit({ who: req.requestedBy, action: req.action, cluster: op.cluster, jobId: op.jobId, jobName: op.jobName, outcome: 'requested', message: `${req.action} requested`, operationId: op.id, details: req.details ?? {} })
    const abort = new AbortController()
    const promise = this.execute(op, req, abort.signal)
    this.running.set(op.id, { promise, abort })
    void promise.finally(() => this.running.delete(op.id))
    return op
  }

  /** Resolves when the operation ends (immediately with the stored one if it already has). */
  async settled(id: string): Promise<Operation | undefined> {
    const r = this.running.get(id)
    return r ? r.promise : this.get(id)
  }

  async get(id: string): Promise<Operation | undefined> {
    const d = await this.o.store.get<Operation & Record<string, unknown>>(OPERATIONS_COLLECTION, id)
    return d?.body
  }

  async audit(e: Omit<AuditEvent, 'id' | 'at'> & { at?: number }): Promise<AuditEvent> {
    const event: AuditEvent = { id: randomUUID(), at: e.at ?? this.o.clock.now(), ...e }
    try {
      await this.o.store.write(AUDIT_COLLECTION, [{ id: event.id, timestamp: event.at, body: { ...event } }], 'create')
    } catch (err) {
      this.o.logger.error({ err, event }, 'writing an audit event failed')
    }
    return event
  }

  /** The audit trail, newest first. */
  async events(f: AuditFilter = {}): Promise<AuditEvent[]> {
    const where: Record<string, string> = {}
    if (f.cluster) where['cluster'] = f.cluster
    const limit = Math.min(f.limit ?? 100, 1000)
    const base = { where, order: 'desc' as const, limit, ...(f.from !== undefined ? { from: f.from } : {}), ...(f.to !== undefined ? { to: f.to } : {}) }
    if (!f.job) return (await this.o.store.query<AuditEvent & Record<string, unknown>>(AUDIT_COLLECTION, base)).docs.map((d) => d.body)
    const [byId, byName] = await Promise.all([
      this.o.store.query<AuditEvent & Record<string, unknown>>(AUDIT_COLLECTION, { ...base, where: { ...where, jobId: f.job } }),
      this.o.store.query<AuditEvent & Record<string, unknown>>(AUDIT_COLLECTION, { ...base, where: { ...where, jobName: f.job } }),
    ])
    const seen = new Set<string>()
    return [...byId.docs, ...byName.docs]
      .map((d) => d.body)
      .filter((e) => (seen.has(e.id) ? false : (seen.add(e.id), true)))
      .sort((a, b) => b.at - a.at || b.id.localeCompare(a.id))
      .slice(0, limit)
  }

  /** Aborts what runs; each aborted operation ends failed. */
  async stop(): Promise<void> {
    this.stopped = true
    for (const r of this.running.values()) r.abort.abort(new Error('flinkwatch is stopping'))
    await Promise.allSettled([...this.running.values()].map((r) => r.promise))
  }

  private async execute(op: Operation, req: OperationRequest, signal: AbortSignal): Promise<Operation> {
    let current: Operation = { ...op, status: 'running', updatedAt: this.o.clock.now() }
    // Progress writes are serialised so a late one never overwrites the final state.
    let writes: Promise<void> = this.save(current)
    const ctx: ActionContext = {
      signal,
      progress: (message) => {
        if (current.status !== 'running') return
        current = { ...current, message, updatedAt: this.o.clock.now() }
        const snapshot = current
        writes = writes.then(() => this.save(snapshot))
      },
    }
    try {
      const result = await req.run(ctx)
      current = { ...current, status: 'succeeded', result, message: describe(req.action, result), updatedAt: this.o.clock.now() }
    } catch (err) {
      current = { ...current, status: 'failed', message: this.stopped ? `interrupted: ${errorMessage(err)}` : errorMessage(err), updatedAt: this.o.clock.now() }
    }
    const final = current
    await writes
    await this.save(final)
    await this.audit({
      who: req.requestedBy,
      action: req.action,
      cluster: final.cluster,
      jobId: final.jobId,
      jobName: final.jobName,
      outcome: final.status === 'succeeded' ? 'succeeded' : 'failed',
      message: final.message ?? final.status,
      operationId: final.id,
      details: { ...(req.details ?? {}), ...(final.result ?? {}), durationMs: final.updatedAt - final.createdAt },
    })
    this.o.logger.info({ operation: final.id, action: final.action, cluster: final.cluster, job: final.jobName, status: final.status, by: final.requestedBy }, `${final.action} of ${final.jobName ?? final.jobId}: ${final.message ?? final.status}`)
    return final
  }

  private async save(op: Operation): Promise<void> {
    try {
      await this.o.store.write(OPERATIONS_COLLECTION, [{ id: op.id, timestamp: op.createdAt, body: { ...op } }], 'upsert')
    } catch (err) {
      this.o.logger.error({ err, operation: op.id }, 'storing an operation failed')
    }
    this.o.bus.publish({ type: 'operation.updated', operation: op })
  }
}

function describe(action: string, result: Record<string, unknown>): string {
  const sp = result['savepointPath']
  const restored = result['restoredFrom'] as { path?: string; kind?: string } | null | undefined
  if (action === 'restart') return `resubmitted as ${String(result['newJobId'])}${restored?.path ? ` from ${restored.kind} ${restored.path}` : ' without state'}`
  if (typeof sp === 'string') return `savepoint ${sp}`
  if (action === 'cancel') return `canceled (${String(result['finalState'] ?? 'unknown')})`
  return 'done'
}
