/**
 * A Drain-style template miner (He et al., "Drain: An Online Log Parsing Approach with Fixed
 * Depth Tree", ICWS 2017): lines are masked, split into tokens, routed by token count and first
 * token to a leaf, and joined to the most similar template there (share of equal tokens ≥
 * `similarity`) or start a new one; where a joined line differs, the template gets `<*>`.
 * Online and linear: 100,000 lines take well under a second.
 */
import { createHash } from 'node:crypto'
import { maskLine } from './mask.js'

export interface LogPattern {
  /** Stable id of the template text (sha1 prefix): what "seen before" compares. */
  id: string
  template: string
  count: number
  firstSeen: number
  lastSeen: number
  example: string
  /** Highest level among its lines, when known. */
  level: string | null
}

interface Cluster {
  tokens: string[]
  count: number
  firstSeen: number
  lastSeen: number
  example: string
  exampleAt: number
  level: string | null
}

export interface MinerOptions {
  /** Share of equal tokens needed to join a template (Drain's st); default 0.5. */
  similarity?: number
  /** Templates per leaf before new lines join the closest one regardless. */
  maxPerLeaf?: number
}

const WILDCARD = '<*>'
const LEVEL_RANK: Record<string, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 }

export function templateId(template: string): string {
  return createHash('sha1').update(template).digest('hex').slice(0, 16)
}

export class TemplateMiner {
  private readonly leaves = new Map<string, Cluster[]>()
  private readonly similarity: number
  private readonly maxPerLeaf: number

  constructor(o: MinerOptions = {}) {
    this.similarity = o.similarity ?? 0.5
    this.maxPerLeaf = o.maxPerLeaf ?? 200
  }

  /** Adds one line (its first line is what is templated); returns the template it joined. */
  add(message: string, at: number, level: string | null = null): string {
    const nl = message.indexOf('\n')
    const first = (nl >= 0 ? message.slice(0, nl) : message).trim()
    const tokens = maskLine(first).split(/\s+/).filter(Boolean)
    if (tokens.length === 0) tokens.push('')
    const key = `${tokens.length}\u0000${leafToken(tokens[0]!)}`
    let leaf = this.leaves.get(key)
    if (!leaf) this.leaves.set(key, (leaf = []))
    let best: Cluster | undefined
    let bestSim = -1
    for (const c of leaf) {
      const s = sim(c.tokens, tokens)
      if (s > bestSim) {
        bestSim = s
        best = c
      }
    }
    if (!best || (bestSim < this.similarity && leaf.length < this.maxPerLeaf)) {
      const c: Cluster = { tokens, count: 1, firstSeen: at, lastSeen: at, example: first, exampleAt: at, level }
      leaf.push(c)
      return tokens.join(' ')
    }
    for (let i = 0; i < tokens.length; i++) if (best.tokens[i] !== tokens[i]) best.tokens[i] = WILDCARD
    best.count++
    if (at < best.firstSeen) best.firstSeen = at
    if (at >= best.lastSeen) {
      best.lastSeen = at
    }
    // The example is the newest line: what someone looking at "now" recognises.
    if (at >= best.exampleAt) {
      best.example = first
      best.exampleAt = at
    }
    if (level && (best.level === null || (LEVEL_RANK[level] ?? 0) > (LEVEL_RANK[best.level] ?? 0))) best.level = level
    return best.tokens.join(' ')
  }

  /** Templates, most frequent first. */
  patterns(): LogPattern[] {
    const out: LogPattern[] = []
    for (const leaf of this.leaves.values()) {
      for (const c of leaf) {
        const template = c.tokens.join(' ')
        out.push({ id: templateId(template), template, count: c.count, firstSeen: c.firstSeen, lastSeen: c.lastSeen, example: c.example, level: c.level })
      }
    }
    return out.sort((a, b) => b.count - a.count || b.lastSeen - a.lastSeen || a.template.localeCompare(b.template))
  }
}

/** The first token routes unless it is variable (then all such lines share one leaf). */
function leafToken(t: string): string {
  return t.startsWith('<') || /\d/.test(t) ? WILDCARD : t
}

function sim(template: readonly string[], tokens: readonly string[]): number {
  let same = 0
  for (let i = 0; i < tokens.length; i++) if (template[i] === tokens[i]) same++
  return same / tokens.length
}

/** Masks and templates one line on its own (what "the same kind of line" means for evidence). */
export function lineTemplate(message: string): string {
  const nl = message.indexOf('\n')
  return maskLine((nl >= 0 ? message.slice(0, nl) : message).trim()).split(/\s+/).filter(Boolean).join(' ')
}
