/**
 * The `CauseClassifier` seam and its rule-based implementation. Input is everything flinkwatch
 * knows at a failure (the same shape as a corpus entry's `failure`); output is one class with what
 * pointed at it. Every rule is tried on every piece of evidence; the highest score wins:
 *
 *   score = (priority − source penalty) × 1000 + source rank × 100 + cause depth
 *
 * so a more specific rule beats a generic one, evidence in the job's exception beats the same
 * evidence in a log line, and among equals the deepest cause of a wrapped exception wins (Flink
 * wraps nearly every failure in JobExecutionException / "Recovery is suppressed by …").
 */
import { CAUSE_CLASSES, type CauseClassId, type CauseOwner } from './classes.js'
import { isFrameworkFrame, parseChain, rootLink, type CauseLink } from './chain.js'
import type { CompiledRule } from './rules.js'

export interface FailureInput {
  /** Full trace text, Caused-by chain included; '' when the evidence is elsewhere. */
  exception?: string | null
  failureLabels?: Record<string, string>
  pod?: { reason?: string | null; exitCode?: number | null; message?: string | null }
  yarn?: { exitStatus?: number | null; diagnostics?: string | null }
  /** JobManager-side lines that are not the root exception: failover, TaskManager lost, checkpoint declines. */
  events?: readonly string[]
  /** WARN+ log lines of the job around the failure (message and stack trace), newest first. */
  logs?: readonly string[]
}

export type EvidenceSource = 'exception' | 'platform' | 'event' | 'log' | 'label'

export interface CauseVerdict {
  class: CauseClassId
  owner: CauseOwner
  title: string
  hint: string
  runbook: string | null
  /** The rule that decided, null when nothing matched (`unknown`). */
  rule: string | null
  /** What matched, one line ("Caused by: java.lang.OutOfMemoryError: Java heap space"). */
  matched: string | null
  source: EvidenceSource | null
  /** The parsed exception chain, outermost first. */
  chain: CauseLink[]
}

export interface CauseClassifier {
  classify(input: FailureInput): CauseVerdict
}

const SOURCE_RANK: Record<EvidenceSource, number> = { exception: 4, platform: 3, label: 2, event: 2, log: 0 }
/** Log lines are many and noisy (retries, warnings that heal): they decide only when nothing better does. */
const SOURCE_PENALTY: Record<EvidenceSource, number> = { exception: 0, platform: 0, label: 0, event: 5, log: 15 }

interface Candidate {
  rule: CompiledRule
  score: number
  matched: string
  source: EvidenceSource
}

interface TextSource {
  source: EvidenceSource
  links: CauseLink[]
  /** The raw lines, for `log` patterns and message-only rules on text without a class header. */
  text: string
}

const JDK_FRAME = /^(java\.|javax\.|jdk\.|sun\.|com\.sun\.|scala\.)/

/**
 * Thrown from the job's own code: the first frame outside the JDK is not a framework frame. When
 * the trace has no frames outside the JDK (Flink's root exception is often quoted without them),
 * an exception class of the job's own package (com.acme.OrderException) says the same.
 */
export function thrownFromUserCode(link: CauseLink): boolean {
  const first = link.frames.find((f) => !JDK_FRAME.test(f))
  if (first !== undefined) return !isFrameworkFrame(first)
  const c = link.className
  return /^[a-z][\w]*(\.[a-z_][\w]*)+\.[A-Z][\w$]*(Exception|Error)$/.test(c) && !JDK_FRAME.test(c) && !isFrameworkFrame(c)
}

function header(l: CauseLink): string {
  const h = l.className ? `${l.className}${l.message ? `: ${l.message}` : ''}` : l.message
  return h.split('\n')[0]!.slice(0, 300)
}

function linkMatches(r: CompiledRule, l: CauseLink): boolean {
  if (r.exception && !(l.className && r.exception.test(l.className))) return false
  if (r.message && !r.message.test(l.message)) return false
  if (r.frame && !l.frames.some((f) => r.frame!.test(f))) return false
  if (r.userCode !== undefined && thrownFromUserCode(l) !== r.userCode) return false
  return true
}

const hasLinkPart = (r: CompiledRule): boolean => r.exception !== undefined || r.message !== undefined || r.frame !== undefined || r.userCode !== undefined
const hasPlatformPart = (r: CompiledRule): boolean => r.podReason !== undefined || r.exitCodes !== undefined

export class RuleClassifier implements CauseClassifier {
  constructor(private readonly rules: readonly CompiledRule[]) {}

  classify(input: FailureInput): CauseVerdict {
    const chain = parseChain(input.exception ?? '')
    const sources: TextSource[] = []
    if (chain.length > 0) sources.push({ source: 'exception', links: chain, text: input.exception ?? '' })
    const platformText = [input.pod?.message, input.yarn?.diagnostics].filter((s): s is string => !!s)
    for (const t of platformText) sources.push({ source: 'platform', links: parseChain(t), text: t })
    for (const e of input.events ?? []) sources.push({ source: 'event', links: parseChain(e), text: e })
    for (const l of (input.logs ?? []).slice(0, 300)) sources.push({ source: 'log', links: parseChain(l), text: l })

    let best: Candidate | undefined
    const consider = (c: Candidate): void => {
      if (!best || c.score > best.score || (c.score === best.score && c.rule.order < best.rule.order)) best = c
    }
    for (const r of this.rules) {
      const c = this.evaluate(r, input, sources)
      if (c) consider(c)
    }
    if (!best) {
      const cls = CAUSE_CLASSES.unknown
      const root = rootLink(chain)
      return { class: cls.id, owner: cls.owner, title: cls.title, hint: cls.hint, runbook: null, rule: null, matched: root ? header(root) : null, source: root ? 'exception' : null, chain }
    }
    const b: Candidate = best
    const cls = CAUSE_CLASSES[b.rule.class]
    const title = b.rule.title ?? cls.title
    return { class: cls.id, owner: cls.owner, title, hint: b.rule.hint ?? cls.hint, runbook: b.rule.runbook ?? null, rule: b.rule.id, matched: b.matched, source: b.source, chain }
  }

  /** The rule's best match over all evidence; undefined when one of its conditions holds nowhere. */
  private evaluate(r: CompiledRule, input: FailureInput, sources: readonly TextSource[]): Candidate | undefined {
    let source: EvidenceSource | undefined
    let matched = ''
    let depth = 0
    const weight = (s: EvidenceSource): number => SOURCE_RANK[s] * 100 - SOURCE_PENALTY[s] * 1000
    const take = (s: EvidenceSource, text: string, d: number): void => {
      if (source === undefined || weight(s) > weight(source) || (s === source && d > depth)) {
        source = s
        matched = text
        depth = d
      }
    }
    if (r.text && !r.text.test(input.exception ?? '')) return undefined
    if (r.unless && sources.some((s) => r.unless!.test(s.text))) return undefined
    if (r.labels) {
      const labels = input.failureLabels ?? {}
      if (!r.labels.every(([k, re]) => labels[k] !== undefined && re.test(labels[k]!))) return undefined
      take('label', r.labels.map(([k]) => `${k}=${labels[k]}`).join(', '), 0)
    }
    if (hasPlatformPart(r)) {
      const pod = input.pod
      const yarn = input.yarn
      if (r.podReason && !(pod?.reason && r.podReason.test(pod.reason))) return undefined
      if (r.exitCodes) {
        const codes = [pod?.exitCode, yarn?.exitStatus].filter((c): c is number => typeof c === 'number')
        if (!codes.some((c) => r.exitCodes!.has(c))) return undefined
      }
      const text = [pod?.reason ? `pod ${pod.reason}` : '', pod?.exitCode != null ? `exit code ${pod.exitCode}` : '', yarn?.exitStatus != null ? `YARN exit status ${yarn.exitStatus}` : ''].filter(Boolean).join(', ')
      if (r.message) {
        // With a platform condition, the message is the platform's (pod message, YARN diagnostics).
        const t = [pod?.message, yarn?.diagnostics].find((s) => s && r.message!.test(s))
        if (!t) return undefined
        take('platform', `${text}: ${t.split('\n')[0]!.slice(0, 200)}`, 0)
      } else take('platform', text, 0)
    } else if (hasLinkPart(r)) {
      let found = false
      for (const s of sources) {
        for (const l of s.links) {
          if (!linkMatches(r, l)) continue
          found = true
          take(s.source, `${l.depth > 0 ? 'Caused by: ' : ''}${header(l)}`, l.depth)
        }
        // Text without a parsable chain (a pod message, a plain event line): message-only rules.
        if (s.links.length === 0 && r.message && !r.exception && !r.frame && r.userCode === undefined && r.message.test(s.text)) {
          found = true
          take(s.source, s.text.split('\n')[0]!.slice(0, 300), 0)
        }
      }
      if (!found) return undefined
    }
    if (r.log) {
      let found = false
      for (const s of sources) {
        if (s.source !== 'log' && s.source !== 'event') continue
        if (!r.log.test(s.text)) continue
        found = true
        take(s.source, s.text.split('\n')[0]!.slice(0, 300), 0)
        if (s.source === 'event') break
      }
      if (!found) return undefined
    }
    if (source === undefined && r.text) take('exception', (input.exception ?? '').split('\n')[0]!.slice(0, 300), 0)
    if (source === undefined) return undefined
    const score = (r.priority - SOURCE_PENALTY[source]) * 1000 + SOURCE_RANK[source] * 100 + Math.min(depth, 99)
    return { rule: r, score, matched, source }
  }
}
