/**
 * A failure as a bag of weighted terms, for the similarity fallback (similar-failures.ts): exception
 * class names (simple and qualified), the words of every cause's message, the first package segments of
 * its frames, pod reasons, exit codes and failure labels, and the words of event and log lines. Variable
 * parts (URLs, paths, hex ids, numbers) are dropped, camelCase is split, and Chinese runs become character
 * pairs, so "Connection refused: broker-3/10.0.0.7:9092" and "Connection refused: kafka-1:9092" share
 * their words. The weights were chosen by leave-one-round-out over the corpus's rounds (test/fixtures/failures/README.md).
 */
import { parseChain, rootLink } from './chain.js'
import { thrownFromUserCode, type FailureInput } from './classifier.js'

export type Terms = Map<string, number>

/** Events count half as much as the exception; log lines are many, so only the first 300 are read. */
const EVENT_WEIGHT = 0.5
const LOG_WEIGHT = 1
const FRAME_WEIGHT = 0.3
const MAX_LOG_LINES = 300

const STOP = new Set(
  'the a an and or of to in on at for is was be by with from as it this that are been were which when while into its their there than then but if so do does did we you they he she i our your also any all one only such after before up via per has have had will would should may can could me my us them these those what who how where'.split(
    ' ',
  ),
)
const CLASS_IN_TEXT = /\b((?:[a-z_$][\w$]*\.)+)?([A-Z][\w$]*(?:Exception|Error|Throwable|Failure))\b/g
const CJK = /[\u4e00-\u9fff]/
const PACKAGE_SEGMENT = /^[a-z_][a-z0-9_]*$/

function keepWord(w: string): boolean {
  if (w.length < 2 || STOP.has(w) || /^\d+$/.test(w)) return false
  // Words with digits are mostly ids (task123abc, 0x7f…): short ones (s3, hdfs2, k8s) stay.
  if (/\d/.test(w) && (/^[0-9a-f]+$/.test(w) || w.length > 5)) return false
  return true
}

/** The words of a text, variable parts dropped. */
export function words(text: string): string[] {
  const t = text
    .replace(/\b[a-z][\w+.-]*:\/\/\S+/gi, ' ')
    .replace(/(?:[A-Za-z]:)?(?:[\\/][\w.\-@${}=]+){2,}[\\/]?/g, ' ')
    .replace(/\b[0-9a-f]{8,}\b/gi, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
  const out: string[] = []
  for (const w of t.split(/[^a-z0-9\u4e00-\u9fff]+/)) {
    if (!w) continue
    if (!CJK.test(w)) {
      if (keepWord(w)) out.push(w)
      continue
    }
    for (const part of w.split(/([\u4e00-\u9fff]+)/)) {
      if (!part) continue
      if (!CJK.test(part)) {
        if (keepWord(part)) out.push(part)
      } else if (part.length === 1) out.push(part)
      else for (let i = 0; i + 1 < part.length; i++) out.push(part.slice(i, i + 2))
    }
  }
  return out
}

/** The terms of everything flinkwatch knows at a failure (a corpus entry's `failure`). */
export function failureTerms(f: FailureInput): Terms {
  const d: Terms = new Map()
  const add = (t: string, w: number): void => void d.set(t, (d.get(t) ?? 0) + w)
  const addWords = (text: string, w: number): void => {
    for (const x of words(text)) add(`w:${x}`, w)
  }
  const addClass = (full: string, simple: string, w: number): void => {
    if (!simple) return
    add(`c:${simple.toLowerCase()}`, w)
    if (full && full !== simple) add(`C:${full.toLowerCase()}`, w)
    for (const x of words(simple)) add(`w:${x}`, w * 0.5)
  }
  const addClassesIn = (text: string, w: number): void => {
    for (const m of text.matchAll(CLASS_IN_TEXT)) addClass((m[1] ?? '') + m[2]!, m[2]!, w)
  }
  const addTrace = (text: string, w: number): void => {
    const chain = parseChain(text)
    for (const l of chain) {
      if (l.className) addClass(l.className, l.simpleName, w)
      addWords(l.message, w)
      addClassesIn(l.message, w)
      for (const fr of l.frames) {
        const pk: string[] = []
        for (const s of fr.split('(')[0]!.split('.')) {
          if (!PACKAGE_SEGMENT.test(s)) break
          pk.push(s)
        }
        if (pk.length >= 2) add(`p:${pk.slice(0, 2).join('.')}`, w * FRAME_WEIGHT)
        if (pk.length >= 3) add(`p:${pk.slice(0, 3).join('.')}`, w * FRAME_WEIGHT)
      }
    }
    const root = rootLink(chain)
    if (root?.className) {
      add(`r:${root.simpleName.toLowerCase()}`, w)
      if (root.frames.length > 0 || root.className.includes('.')) add(`uc:${thrownFromUserCode(root)}`, w * 0.5)
    }
  }
  if (f.exception) {
    add('src:exception', 1)
    addTrace(f.exception, 1)
  }
  if (f.pod) {
    add('src:pod', 1)
    if (f.pod.reason) add(`pod:${f.pod.reason.toLowerCase()}`, 1)
    if (f.pod.exitCode != null) add(`exit:${f.pod.exitCode}`, 1)
    if (f.pod.message) {
      addWords(f.pod.message, 1)
      addClassesIn(f.pod.message, 1)
    }
  }
  if (f.yarn) {
    add('src:yarn', 1)
    if (f.yarn.exitStatus != null) add(`exit:${f.yarn.exitStatus}`, 1)
    if (f.yarn.diagnostics) {
      addWords(f.yarn.diagnostics, 1)
      addClassesIn(f.yarn.diagnostics, 1)
    }
  }
  for (const [k, v] of Object.entries(f.failureLabels ?? {})) {
    add(`lab:${k.toLowerCase()}=${v.toLowerCase()}`, 1)
    addWords(v, 0.5)
  }
  if (f.events?.length) {
    add('src:events', 1)
    for (const e of f.events) addTrace(e, EVENT_WEIGHT)
  }
  if (f.logs?.length) {
    add('src:logs', 1)
    for (const l of f.logs.slice(0, MAX_LOG_LINES)) addTrace(l, LOG_WEIGHT)
  }
  return d
}
