/**
 * The failure cause in a message (issue 11): class and hint, the root exception's first user-code
 * frames, the most telling log lines, how often in 7 days, and links to the job page and the log
 * search of the window. Compact, because a digest holds up to ten of them and WeCom has 4,096
 * bytes; `class` mode (SMS) is the class alone.
 */
import type { AlertEvent, IncidentCause } from '../../src/model/alert.js'
import type { DigestEntry, Markup } from './content.js'

export type CauseDetail = 'full' | 'class'

const HINT_CHARS = 220
const LINE_CHARS = 160
const FRAMES = 3

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s)
/** Log lines say what happened at their end ("… switched from RUNNING to FAILED: <error>"): keep both ends. */
const clipMiddle = (s: string, n: number): string => (s.length > n ? `${s.slice(0, 50)}…${s.slice(s.length - (n - 51))}` : s)
const hhmmss = (t: number): string => new Date(t).toISOString().slice(11, 19)

/** "user-code (job)": what the title of a digest group and the SMS show. */
export function causeLabel(c: IncidentCause): string {
  return `${c.class} (${c.owner})`
}

/** The lines under an entry's summary; '' without a cause. */
export function causeSection(a: AlertEvent, m: Markup, detail: CauseDetail = 'full'): string {
  const c = a.cause
  if (!c) return ''
  if (detail === 'class') return ''
  const ev = c.evidence
  const lines: string[] = []
  lines.push(`${m.bold(`cause ${c.class}`)} (${c.owner === 'job' ? 'job owner' : 'platform'}): ${c.title}. ${clip(c.hint, HINT_CHARS)}`)
  if (ev.exception) lines.push(`root ${m.code(clip(ev.exception, LINE_CHARS))}`)
  for (const f of ev.frames.slice(0, FRAMES)) lines.push(m.code(clip(f, LINE_CHARS)))
  for (const l of ev.logs) lines.push(`${hhmmss(l.at)} ${l.level}${l.taskManager ? ` ${l.taskManager}` : ''} ${m.code(clipMiddle(l.text, LINE_CHARS))}`)
  const tail: string[] = [`same cause ${ev.countLast7d}× in 7 days`]
  if (c.runbook) tail.push(m.link('runbook', c.runbook))
  lines.push(tail.join(' · '))
  return lines.map((l) => `  ${l}`).join('\n')
}

/** The class after the subject, where even an SMS keeps it: " [user-code]". */
export function causeTag(a: AlertEvent): string {
  return a.cause ? ` [${a.cause.class}]` : ''
}

/** Groups a storm's entries by cause: "212 jobs: Kafka broker unavailable". */
export function causeGroups<T extends { alert: AlertEvent }>(entries: readonly T[]): { key: string; label: string; entries: T[] }[] {
  const groups = new Map<string, { key: string; label: string; entries: T[] }>()
  for (const e of entries) {
    const c = e.alert.cause
    const key = c ? `${c.class}|${c.title}` : ''
    const label = c ? `${c.title} (${c.class})` : 'cause not classified'
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { key, label, entries: [] }))
    g.entries.push(e)
  }
  return [...groups.values()].sort((x, y) => y.entries.length - x.entries.length || x.label.localeCompare(y.label))
}

/** A storm section's lines: one summary of the causes, then the job names by cause and cluster. */
export function causeBlocks(list: readonly DigestEntry[], m: Markup, utc: (t: number) => string, namesPerBlock: number): { text: string; itemIds: string[]; jobs: number }[] {
  const groups = causeGroups(list)
  const since = utc(Math.min(...list.map((e) => e.alert.detectedAt ?? e.alert.startsAt)))
  const out = [{ text: `By cause: ${groups.slice(0, 5).map((g) => `${g.entries.length} job${g.entries.length === 1 ? '' : 's'}: ${g.label}`).join('; ')}${groups.length > 5 ? `; ${groups.length - 5} more causes` : ''}. Since ${since}.`, itemIds: [] as string[], jobs: 0 }]
  for (const g of groups) {
    const byCluster = new Map<string, DigestEntry[]>()
    for (const e of g.entries) byCluster.set(e.alert.cluster, [...(byCluster.get(e.alert.cluster) ?? []), e])
    for (const [cluster, es] of byCluster) {
      for (let i = 0; i < es.length; i += namesPerBlock) {
        const slice = es.slice(i, i + namesPerBlock)
        out.push({ text: `${m.bullet}${m.bold(`${g.label} · ${cluster}`)}${i === 0 ? ` (${es.length})` : ' (cont.)'}: ${slice.map((e) => e.alert.jobName ?? e.alert.cluster).join(', ')}`, itemIds: slice.map((e) => e.itemId), jobs: slice.length })
      }
    }
  }
  return out
}
