/** Accuracy, per-class precision/recall/F1 and macro-F1 of predictions against labels. */
import { CAUSE_CLASS_IDS, type CauseClassId } from './classes.js'

export interface ClassScore {
  support: number
  predicted: number
  precision: number
  recall: number
  f1: number
}

export interface Scores {
  n: number
  accuracy: number
  /** Mean F1 over the classes that occur in the labels (a class never labelled has no recall). */
  macroF1: number
  perClass: Partial<Record<CauseClassId, ClassScore>>
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000

export function score(pairs: readonly { label: CauseClassId; predicted: CauseClassId }[]): Scores {
  const perClass: Partial<Record<CauseClassId, ClassScore>> = {}
  let correct = 0
  for (const p of pairs) if (p.label === p.predicted) correct++
  const f1s: number[] = []
  for (const c of CAUSE_CLASS_IDS) {
    const support = pairs.filter((p) => p.label === c).length
    const predicted = pairs.filter((p) => p.predicted === c).length
    if (support === 0 && predicted === 0) continue
    const tp = pairs.filter((p) => p.label === c && p.predicted === c).length
    const precision = predicted === 0 ? 0 : tp / predicted
    const recall = support === 0 ? 0 : tp / support
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)
    perClass[c] = { support, predicted, precision: r3(precision), recall: r3(recall), f1: r3(f1) }
    if (support > 0) f1s.push(f1)
  }
  return { n: pairs.length, accuracy: r3(pairs.length === 0 ? 0 : correct / pairs.length), macroF1: r3(f1s.length === 0 ? 0 : f1s.reduce((a, b) => a + b, 0) / f1s.length), perClass }
}
