/**
 * One TF-IDF centroid per cause class, learned from the labelled corpus (test/fixtures/failures/):
 * a failure's terms (terms.ts) are weighted log(1 + count) × idf and normalised, each class's
 * centroid is the normalised sum of its entries' vectors, and a failure's nearest class is the
 * centroid with the highest cosine. Chosen over naive Bayes and k-nearest-neighbours by
 * leave-one-round-out on the corpus's gathering rounds (README "Similar failures").
 */
import { Type, type Static } from '@sinclair/typebox'
import { CAUSE_CLASS_IDS, type CauseClassId } from './classes.js'
import type { Terms } from './terms.js'

export const CentroidModel = Type.Object({
  /** How the terms were made; a model from other terms must not be read by this code. */
  terms: Type.Literal('terms-v1'),
  trainedOn: Type.Integer({ minimum: 0 }),
  idf: Type.Record(Type.String(), Type.Number()),
  /** By class id; a key that is not one (a class renamed since) is never read. */
  centroids: Type.Record(Type.String(), Type.Record(Type.String(), Type.Number())),
})
export type CentroidModel = Static<typeof CentroidModel>

export interface Nearest {
  class: CauseClassId
  /** Cosine of the failure and its class's centroid, 0–1. */
  similarity: number
  /** The terms that added most to it, heaviest first. */
  terms: string[]
}

/** Rounded so the shipped model is small and the same corpus always writes the same file. */
const round = (x: number, digits: number): number => Number(x.toFixed(digits))
/** Centroid weights below this are dropped from the written model (a few per mille of the cosine at most). */
const MIN_WEIGHT = 0.002

export function trainCentroids(docs: readonly { terms: Terms; label: CauseClassId }[]): CentroidModel {
  const df = new Map<string, number>()
  for (const d of docs) for (const t of d.terms.keys()) df.set(t, (df.get(t) ?? 0) + 1)
  const idf: Record<string, number> = {}
  for (const [t, n] of [...df].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) idf[t] = round(Math.log((docs.length + 1) / (n + 1)) + 1, 4)
  const sums = new Map<CauseClassId, Map<string, number>>()
  for (const d of docs) {
    const c = sums.get(d.label) ?? new Map<string, number>()
    sums.set(d.label, c)
    for (const [t, w] of vectorOf(d.terms, idf)) c.set(t, (c.get(t) ?? 0) + w)
  }
  const centroids: Record<string, Record<string, number>> = {}
  for (const cls of CAUSE_CLASS_IDS) {
    const c = sums.get(cls)
    if (!c) continue
    const norm = Math.sqrt([...c.values()].reduce((a, w) => a + w * w, 0)) || 1
    const out: Record<string, number> = {}
    for (const [t, w] of [...c].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) if (w / norm >= MIN_WEIGHT) out[t] = round(w / norm, 4)
    centroids[cls] = out
  }
  return { terms: 'terms-v1', trainedOn: docs.length, idf, centroids }
}

function vectorOf(terms: Terms, idf: Readonly<Record<string, number>>): Map<string, number> {
  const v = new Map<string, number>()
  let norm = 0
  for (const [t, x] of terms) {
    const i = idf[t]
    if (i === undefined) continue
    const w = Math.log(1 + x) * i
    v.set(t, w)
    norm += w * w
  }
  norm = Math.sqrt(norm) || 1
  for (const [t, w] of v) v.set(t, w / norm)
  return v
}

/** The class whose centroid is nearest; null when the failure shares no term with the model. */
export function nearestClass(model: CentroidModel, terms: Terms): Nearest | null {
  const q = vectorOf(terms, model.idf)
  if (q.size === 0) return null
  let best: Nearest | null = null
  for (const cls of CAUSE_CLASS_IDS) {
    const c = model.centroids[cls]
    if (!c) continue
    let s = 0
    const parts: [string, number][] = []
    for (const [t, w] of q) {
      const y = c[t]
      if (y === undefined) continue
      s += w * y
      parts.push([t, w * y])
    }
    if (best === null || s > best.similarity) best = { class: cls, similarity: s, terms: parts.sort((a, b) => b[1] - a[1]).slice(0, 5).map(([t]) => t) }
  }
  return best
}
