/** Flink DTO → flinkwatch model. Pure functions; the only place that knows Flink's field names. */
import type { CheckpointInfo, CheckpointStats, JobException } from '../../src/model/job.js'
import type { AggregatedMetrics, CheckpointConfig, Checkpoints, CompletedCheckpoint, Exceptions, JobDetails, MetricList } from './flink-schemas.js'

/** Values ≥ 2^53 cannot be exact in JS; Flink uses Long.MAX_VALUE for "periodic checkpointing off". */
const UNREPRESENTABLE = 2 ** 53

/** A metric value as a finite number, or null ("NaN", "", absent, Infinity, garbage). */
export function metricNumber(v: number | string | null | undefined): number | null {
  if (v === null || v === undefined) return null
  const n = typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v)
  return Number.isFinite(n) ? n : null
}

/** `[{id, value}]` → id → number (non-numeric values dropped). */
export function metricMap(list: MetricList): Map<string, number> {
  const out = new Map<string, number>()
  for (const m of list) {
    const n = metricNumber(m.value)
    if (n !== null) out.set(m.id, n)
  }
  return out
}

export interface Aggregate {
  min: number | null
  max: number | null
  avg: number | null
  sum: number | null
}

export function aggregateMap(list: AggregatedMetrics): Map<string, Aggregate> {
  const out = new Map<string, Aggregate>()
  for (const m of list) out.set(m.id, { min: metricNumber(m.min), max: metricNumber(m.max), avg: metricNumber(m.avg), sum: metricNumber(m.sum) })
  return out
}

export function checkpointIntervalMs(config: CheckpointConfig | null): number | null {
  if (!config) return null
  return config.interval >= UNREPRESENTABLE || config.interval <= 0 ? null : config.interval
}

function completed(c: CompletedCheckpoint | null | undefined): CheckpointInfo | null {
  if (!c) return null
  const completedAt = c.latest_ack_timestamp ?? c.trigger_timestamp
  if (completedAt === undefined) return null
  return {
    id: c.id,
    completedAt,
    durationMs: c.end_to_end_duration ?? 0,
    sizeBytes: c.checkpointed_size ?? c.state_size ?? 0,
    externalPath: c.external_path && c.external_path !== '<checkpoint-not-externally-addressable>' ? c.external_path : null,
    isSavepoint: c.is_savepoint ?? false,
  }
}

export function decodeCheckpoints(dto: Checkpoints, intervalMs: number | null): CheckpointStats {
  const failed = dto.latest?.failed ?? null
  return {
    completed: dto.counts.completed,
    failed: dto.counts.failed,
    inProgress: dto.counts.in_progress,
    intervalMs,
    lastCompleted: completed(dto.latest?.completed),
    lastSavepoint: completed(dto.latest?.savepoint),
    lastFailedAt: failed?.failure_timestamp ?? null,
    lastFailureMessage: failed?.failure_message ?? null,
  }
}

function firstLine(text: string | null | undefined): string | null {
  if (!text) return null
  const line = text.split('\n', 1)[0]?.trim()
  return line ? line : null
}

/**
 * Newest first. 1.17–1.20 all send `exceptionHistory` (1.18 adds failureLabels, 1.19 `endpoint` and
 * deprecates `location`); the legacy `root-exception` is the fallback for payloads without history
 * (history disabled or a proxy that strips it).
 */
export function decodeExceptions(dto: Exceptions, max: number): JobException[] {
  const entries = dto.exceptionHistory?.entries ?? []
  if (entries.length > 0) {
    return [...entries]
      .sort((a, b) => b.timestamp - a.timestamp)
      .slice(0, max)
      .map((e) => ({
        timestamp: e.timestamp,
        message: rootMessage(e.stacktrace) ?? e.exceptionName ?? 'unknown exception',
        stackTrace: e.stacktrace ?? null,
        taskName: e.taskName ?? null,
        location: e.endpoint ?? e.location ?? null,
        ...(e.failureLabels && Object.keys(e.failureLabels).length > 0 ? { failureLabels: e.failureLabels } : {}),
      }))
  }
  const root = dto['root-exception']
  if (root) return [{ timestamp: dto.timestamp ?? 0, message: rootMessage(root) ?? root, stackTrace: root, taskName: null, location: null }]
  return []
}

/**
 * The line a human wants: the first line, unless it is one of Flink's own wrappers ("Recovery is
 * suppressed by …", JobExecutionException), whose cause is the actual failure.
 */
function rootMessage(stack: string | null | undefined): string | null {
  const first = firstLine(stack)
  if (!first || !stack || !/^org\.apache\.flink\.runtime\.(JobException|client\.JobExecutionException)/.test(first)) return first
  const causes = stack.split('\n').filter((l) => l.startsWith('Caused by: ')).map((l) => l.slice('Caused by: '.length).trim())
  return causes.at(-1) ?? first
}

/**
 * Failovers counted from the exception history: one root entry per failover; a FAILED job's newest
 * entry is the failure that was not recovered. A truncated history gives a lower bound.
 */
export function restartsFromHistory(dto: Exceptions, state: string): number {
  const n = dto.exceptionHistory?.entries.length ?? 0
  return Math.max(0, state === 'FAILED' ? n - 1 : n)
}

export interface VertexInfo {
  id: string
  name: string
  parallelism: number
  maxParallelism: number | null
  status: string | null
  isSource: boolean
  isSink: boolean
}

/** Vertices with source/sink roles from the plan (sources have no inputs; sinks feed nobody). */
export function decodeVertices(dto: JobDetails): VertexInfo[] {
  const nodes = dto.plan?.nodes
  const withInputs = new Set<string>()
  const feeding = new Set<string>()
  for (const n of nodes ?? []) {
    if (n.inputs && n.inputs.length > 0) withInputs.add(n.id)
    for (const i of n.inputs ?? []) feeding.add(i.id)
  }
  return dto.vertices.map((v, i) => ({
    id: v.id,
    name: v.name,
    parallelism: v.parallelism,
    maxParallelism: v.maxParallelism ?? null,
    status: v.status ?? null,
    // Without a plan, fall back to position and Flink's "Source: " naming.
    isSource: nodes ? !withInputs.has(v.id) : i === 0 || v.name.startsWith('Source: '),
    isSink: nodes ? !feeding.has(v.id) : i === dto.vertices.length - 1,
  }))
}
