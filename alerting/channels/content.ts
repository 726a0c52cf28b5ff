/**
 * Message content shared by the chat and SMS channels: what happened, where (cluster, job name,
 * id), since when, severity, key figures and links, as a digest of many incident transitions.
 * A few entries are listed in detail; many are listed by cluster, every job by name, so a storm
 * of 1,000 failures is a handful of messages that still name every job. The text is cut into
 * parts that fit the platform's size limit; past `maxParts` the last part says "... and N more".
 */
import type { AlertEvent, TransitionKind } from '../../src/model/alert.js'
import { causeBlocks, causeSection, causeTag, type CauseDetail } from './cause-section.js'

export interface DigestEntry {
  itemId: string
  kind: TransitionKind
  alert: AlertEvent
  /** Detection time of this transition. */
  at: number
}

export interface LinkBuilder {
  /** The console's job page (optional: builders made before the console have none). */
  job?(a: AlertEvent): string | null
  /** The console's log search for the job around the failure. */
  logs(a: AlertEvent): string | null
  dashboard(a: AlertEvent): string | null
  flinkUi(a: AlertEvent): string | null
  alerts(): string | null
  /** A one-click acknowledge link for a firing incident (signed, expiring, usable once); absent or null: none. */
  ack?(a: AlertEvent): string | null
}

export interface Digest {
  entries: DigestEntry[]
  links: LinkBuilder
  /** At most this many messages, when fewer than the channel's maxMessages (a storm's first message is one). */
  maxParts?: number
  /**
   * Entries that do not fit are left out of the messages and said to follow, instead of being
   * counted in "… and N more": the caller sends them in the next digest, where they are named.
   */
  deferRest?: boolean
  /** How much of a failure's cause entries show: 'full' (default) or 'class' (SMS). */
  causeDetail?: CauseDetail
}

export interface Markup {
  bold(s: string): string
  link(text: string, url: string): string
  code(s: string): string
  bullet: string
}

export const MARKDOWN: Markup = {
  bold: (s) => `**${s}**`,
  link: (t, u) => `[${t}](${u})`,
  code: (s) => `\`${s.replaceAll('`', "'")}\``,
  bullet: '- ',
}

export const PLAIN: Markup = { bold: (s) => s, link: (t) => t, code: (s) => s, bullet: '- ' }

export interface Part {
  title: string
  text: string
  itemIds: string[]
  /** Highest severity among firing entries; null when everything resolved. */
  severity: AlertEvent['severity'] | null
}

/** Entries listed one by one up to this many per section; beyond, by cluster. */
const DETAIL_LIMIT = 10
const NAMES_PER_BLOCK = 40

interface Block {
  text: string
  itemIds: string[]
  jobs: number
  /** A section header, repeated (continued) when a part starts inside its section. */
  header?: string
}

const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const
const KIND_LABEL: Record<TransitionKind, string> = { firing: 'FIRING', escalation: 'ESCALATED', reminder: 'STILL FIRING', resolved: 'RESOLVED', announce: 'NOTICE' }
const KIND_ORDER: Record<TransitionKind, number> = { firing: 0, escalation: 1, reminder: 2, announce: 3, resolved: 4 }

export const utc = (t: number): string => `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8')

function where(a: AlertEvent): string {
  return a.jobName ? `${a.cluster} / ${a.jobName}` : a.cluster
}

function figures(a: AlertEvent, m: Markup): string {
  const parts: string[] = []
  for (const [k, v] of Object.entries(a.figures)) {
    if (v === null || v === '' || k === 'subject') continue
    const text = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v).split('\n')[0]!.slice(0, 160)
    parts.push(k === 'exception' || k === 'latestError' || k === 'lastError' || k === 'lastFailure' ? `${k} ${m.code(text)}` : `${k} ${text}`)
  }
  return parts.join(' · ')
}

function detail(e: DigestEntry, m: Markup, links: LinkBuilder, causeDetail: CauseDetail): string {
  const a = e.alert
  const id = a.jobId ? ` (id ${m.code(a.jobId)})` : ''
  const head = `${m.bullet}${m.bold(where(a))}${e.kind === 'resolved' ? '' : causeTag(a)}${id}`
  const linkList = [
    // One pair of job and log-search links: the cause's evidence carries them too (its log window) when
    // the channel's builder has none.
    ['job', links.job?.(a) ?? a.cause?.evidence.links.job ?? null],
    ['logs', links.logs(a) ?? a.cause?.evidence.links.logs ?? null],
    ['dashboard', links.dashboard(a)],
    ['Flink UI', links.flinkUi(a)],
    ['acknowledge', e.kind !== 'announce' && !a.acknowledgedBy ? (links.ack?.(a) ?? null) : null],
  ]
    .filter((l): l is [string, string] => l[1] !== null)
    .map(([t, u]) => m.link(t, u))
    .join(' · ')
  if (e.kind === 'resolved') {
    const took = a.endsAt ? Math.round((a.endsAt - a.startsAt) / 1000) : null
    return `${head}: resolved at ${utc(a.endsAt ?? e.at)}${took !== null ? ` after ${took}s` : ''} (was: ${a.summary})`
  }
  const f = figures(a, m)
  const esc = e.kind === 'escalation' ? escalationLine(a) : ''
  const cause = causeSection(a, m, causeDetail)
  return `${head} since ${utc(a.detectedAt ?? a.startsAt)}: ${a.summary}${esc}${f ? `\n  ${f}` : ''}${cause ? `\n${cause}` : ''}${linkList ? `\n  ${linkList}` : ''}`
}

/** The level just paged is the incident's last escalation step (the transition carries a snapshot). */
function escalationLine(a: AlertEvent): string {
  const step = a.escalations?.[a.escalations.length - 1]
  if (!step) return ''
  const after = Math.round((step.at - (a.notifiedAt ?? a.startsAt)) / 60_000)
  return `\n  escalated to level ${step.level + 1}: not acknowledged after ${after} min; paged before: ${step.from.join(', ')}`
}

function blocksFor(entries: DigestEntry[], m: Markup, links: LinkBuilder, causeDetail: CauseDetail = 'full'): Block[] {
  const sections = new Map<string, DigestEntry[]>()
  const sorted = [...entries].sort(
    (x, y) =>
      KIND_ORDER[x.kind] - KIND_ORDER[y.kind] ||
      SEVERITY_RANK[x.alert.severity] - SEVERITY_RANK[y.alert.severity] ||
      x.alert.rule.localeCompare(y.alert.rule) ||
      where(x.alert).localeCompare(where(y.alert)),
  )
  for (const e of sorted) {
    const k = `${e.kind}|${e.alert.severity}|${e.alert.rule}`
    const list = sections.get(k)
    if (list) list.push(e)
    else sections.set(k, [e])
  }
  const out: Block[] = []
  for (const list of sections.values()) {
    const first = list[0]!
    const clusters = new Set(list.map((e) => e.alert.cluster))
    const subjects = list.some((e) => e.alert.jobName) ? 'job' : 'cluster'
    const header = `${m.bold(`${KIND_LABEL[first.kind]} · ${first.alert.rule} (${first.alert.severity})`)}: ${list.length} ${subjects}${list.length === 1 ? '' : 's'}${subjects === 'job' ? ` on ${clusters.size} cluster${clusters.size === 1 ? '' : 's'}` : ''}`
    out.push({ text: header, itemIds: [], jobs: 0, header })
    if (list.length <= DETAIL_LIMIT) {
      for (const e of list) out.push({ text: detail(e, m, links, causeDetail), itemIds: [e.itemId], jobs: 1, header })
      continue
    }
    if (list.some((e) => e.alert.cause)) {
      // Failures with causes: "212 jobs: Kafka broker unavailable", then the names by cause and cluster.
      for (const b of causeBlocks(list, m, utc, NAMES_PER_BLOCK)) out.push({ ...b, header })
      continue
    }
    // Many: the common causes once, then every name, grouped by cluster.
    const causes = new Map<string, number>()
    for (const e of list) causes.set(e.alert.summary, (causes.get(e.alert.summary) ?? 0) + 1)
    const top = [...causes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3)
    out.push({ text: `Most common: ${top.map(([s, n]) => `${m.code(s.slice(0, 160))} ×${n}`).join('; ')}. Since ${utc(Math.min(...list.map((e) => e.alert.detectedAt ?? e.alert.startsAt)))}.`, itemIds: [], jobs: 0, header })
    const byCluster = new Map<string, DigestEntry[]>()
    for (const e of list) byCluster.set(e.alert.cluster, [...(byCluster.get(e.alert.cluster) ?? []), e])
    for (const [cluster, es] of byCluster) {
      for (let i = 0; i < es.length; i += NAMES_PER_BLOCK) {
        const slice = es.slice(i, i + NAMES_PER_BLOCK)
        const names = slice.map((e) => e.alert.jobName ?? e.alert.cluster).join(', ')
        out.push({ text: `${m.bullet}${m.bold(cluster)}${i === 0 ? ` (${es.length})` : ' (cont.)'}: ${names}`, itemIds: slice.map((e) => e.itemId), jobs: slice.length, header })
      }
    }
  }
  return out
}

function titleOf(entries: DigestEntry[]): string {
  if (entries.length === 1) {
    const e = entries[0]!
    return `[${KIND_LABEL[e.kind]}] ${e.alert.severity.toUpperCase()} ${e.alert.rule}: ${where(e.alert)}`
  }
  const counts = new Map<TransitionKind, number>()
  for (const e of entries) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1)
  const rules = [...new Set(entries.map((e) => e.alert.rule))]
  const summary = [...counts.entries()].sort((a, b) => KIND_ORDER[a[0]] - KIND_ORDER[b[0]]).map(([k, n]) => `${n} ${KIND_LABEL[k].toLowerCase()}`).join(', ')
  return `[flinkwatch] ${summary}: ${rules.slice(0, 3).join(', ')}${rules.length > 3 ? ', ...' : ''}`
}

/**
 * Cuts the digest into at most `maxParts` texts of at most `maxBytes` each (UTF-8); the caller's
 * envelope (title, JSON, signature) must fit in what it left out of maxBytes.
 */
export function renderParts(d: Digest, m: Markup, maxBytes: number, channelMaxParts: number): Part[] {
  const maxParts = Math.max(1, Math.min(channelMaxParts, d.maxParts ?? channelMaxParts))
  const blocks = blocksFor(d.entries, m, d.links, d.causeDetail)
  const firing = d.entries.filter((e) => e.kind !== 'resolved')
  const severity = firing.length === 0 ? null : firing.map((e) => e.alert.severity).sort((a, b) => SEVERITY_RANK[a] - SEVERITY_RANK[b])[0]!
  const title = titleOf(d.entries)
  const more = (n: number): string =>
    d.deferRest ? `… and ${n} more job${n === 1 ? '' : 's'} in the next message` : `… and ${n} more job${n === 1 ? '' : 's'}${d.links.alerts() ? `: ${m.link('all alerts', d.links.alerts()!)}` : ''}`
  const reserve = bytes(more(999_999)) + 2
  const parts: { lines: string[]; itemIds: string[]; size: number }[] = []
  let cur = { lines: [] as string[], itemIds: [] as string[], size: 0 }
  let i = 0
  for (; i < blocks.length; i++) {
    const b = blocks[i]!
    let text = b.text
    if (bytes(text) > maxBytes - reserve) text = cut(text, maxBytes - reserve)
    const needsHeader = cur.lines.length === 0 && b.header && b.header !== text
    const add = (needsHeader ? bytes(`${b.header} (continued)\n`) : 0) + bytes(text) + 1
    if (cur.size + add > maxBytes - reserve && cur.lines.length > 0) {
      parts.push(cur)
      if (parts.length === maxParts) break
      cur = { lines: [], itemIds: [], size: 0 }
      i--
      continue
    }
    if (needsHeader) cur.lines.push(`${b.header} (continued)`)
    cur.lines.push(text)
    cur.itemIds.push(...b.itemIds)
    cur.size += add
  }
  if (i >= blocks.length && cur.lines.length > 0) parts.push(cur)
  if (i < blocks.length) {
    // Out of parts: the rest is counted, not named, in the last part (or left to the next message).
    const rest = blocks.slice(i)
    const last = parts[parts.length - 1]!
    last.lines.push(more(rest.reduce((n, b) => n + b.jobs, 0)))
    if (!d.deferRest) last.itemIds.push(...rest.flatMap((b) => b.itemIds))
  }
  return parts.map((p, n) => ({ title: parts.length > 1 ? `${title} (${n + 1}/${parts.length})` : title, text: p.lines.join('\n'), itemIds: p.itemIds, severity }))
}

/** Cuts a UTF-8 string to at most maxBytes without splitting a character. */
export function cut(s: string, maxBytes: number): string {
  if (bytes(s) <= maxBytes) return s
  let out = Buffer.from(s, 'utf8').subarray(0, Math.max(0, maxBytes - 3)).toString('utf8')
  if (out.endsWith('\uFFFD')) out = out.slice(0, -1)
  return `${out}…`
}
