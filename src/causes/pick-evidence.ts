/**
 * The evidence an alert shows for a classified failure: the root exception, its first user-code
 * frames (framework runs folded), the few most telling log lines (WARN+, one per template: errors
 * before warnings, then newest first, shown newest first), the 7-day count and the links to the
 * job page and the log search of the window (the console's URLs).
 */
import type { IncidentCause } from '../model/alert.js'
import type { LogRecord } from '../model/log-record.js'
import { lineTemplate } from '../logs/patterns/miner.js'
import { foldFrames, isUserFrame, rootLink } from './chain.js'
import type { CauseVerdict } from './classifier.js'

export interface EvidenceContext {
  /** flinkwatch's public URL; null: no links. */
  base: string | null
  cluster: string
  jobId: string | null
  jobName: string | null
  at: number
  windowMs: number
  lines: number
  count: number
}

const RANK: Record<string, number> = { FATAL: 0, ERROR: 1, WARN: 2 }

/**
 * Warnings Flink prints on every healthy start or restart: as evidence they would take a slot from a
 * telling line (a restarted job re-registers its metrics, so "Name collision" shows up beside every
 * failure). Only WARN lines are left out; an ERROR line is always a candidate.
 */
const ROUTINE_WARNINGS: readonly RegExp[] = [
  /^Name collision: Group already contains a Metric with the name/,
  /^Unable to load native-hadoop library/,
  /^Log file environment variable '[^']+' is not set/,
  /^Error while loading kafka-version\.properties/,
]
const routine = (l: LogRecord): boolean => (l.level ?? 'WARN') === 'WARN' && ROUTINE_WARNINGS.some((r) => r.test(l.message))
const trim = (u: string): string => u.replace(/\/+$/, '')

export function pickEvidence(v: CauseVerdict, logs: readonly LogRecord[], c: EvidenceContext): IncidentCause {
  const root = rootLink(v.chain)
  // The deepest cause with user frames: where the job's own code was when it broke.
  const withUser = [...v.chain].reverse().find((l) => l.frames.some(isUserFrame))
  const frames = withUser ? foldFrames(withUser.frames, 4) : root ? foldFrames(root.frames, 2) : []
  const seen = new Set<string>()
  const picked: LogRecord[] = []
  const ordered = [...logs].sort((x, y) => (RANK[x.level ?? ''] ?? 3) - (RANK[y.level ?? ''] ?? 3) || y.timestamp - x.timestamp)
  for (const l of ordered) {
    if (picked.length >= c.lines) break
    if (routine(l)) continue
    const t = lineTemplate(l.message)
    if (seen.has(t)) continue
    seen.add(t)
    picked.push(l)
  }
  picked.sort((x, y) => y.timestamp - x.timestamp)
  const from = c.at - c.windowMs
  const to = c.at + Math.max(60_000, Math.round(c.windowMs / 10))
  const links = {
    job: c.base && c.jobId ? `${trim(c.base)}/jobs/${encodeURIComponent(c.cluster)}/${encodeURIComponent(c.jobId)}` : null,
    logs: c.base ? `${trim(c.base)}/logs?${new URLSearchParams({ cluster: c.cluster, job: c.jobId ?? c.jobName ?? '', from: String(from), to: String(to) })}` : null,
  }
  return {
    class: v.class,
    owner: v.owner,
    hint: v.hint,
    title: v.title,
    rule: v.rule,
    runbook: v.runbook,
    evidence: {
      exception: root ? (root.className ? `${root.className}${root.message ? `: ${root.message.split('\n')[0]}` : ''}` : root.message.split('\n')[0]!).slice(0, 300) : null,
      matched: v.matched,
      source: v.source,
      frames,
      logs: picked.map((l) => ({ at: l.timestamp, level: l.level ?? 'WARN', taskManager: l.taskManager, text: (l.errorMessage && !l.message.includes(l.errorMessage) ? `${l.message}: ${l.errorMessage}` : l.message).split('\n')[0]!.slice(0, 300) })),
      countLast7d: c.count,
      links,
    },
  }
}
