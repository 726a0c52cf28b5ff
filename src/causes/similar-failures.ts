/**
 * When no rule matches, the class of the known failures this one resembles most. Rules are right far
 * more often when they match, but on failures gathered after they were written they left a third of
 * the entries `unknown`; the nearest class centroid of the labelled corpus (centroids.ts) is right on
 * about half of those. So it only answers where the rules do not, its title says "likely", and its
 * evidence names the similarity and the terms that decided instead of a rule's match.
 */
import { Value } from '@sinclair/typebox/value'
import { CAUSE_CLASSES } from './classes.js'
import { CentroidModel, nearestClass } from './centroids.js'
import shipped from './similar-failures.model.json' with { type: 'json' }
import type { CauseClassifier, CauseVerdict, FailureInput } from './classifier.js'
import { failureTerms } from './terms.js'

/** Below this cosine the failure shares too little with any class; chosen on the corpus's rounds (0–0.1 score alike). */
export const MIN_SIMILARITY = 0.1
export const SIMILARITY_RULE = 'similar-failures'

/** The centroids shipped with the service (`npm run causes:model` writes them from the corpus). */
export function shippedModel(): CentroidModel {
  const m: unknown = shipped
  if (!Value.Check(CentroidModel, m)) throw new Error('src/causes/similar-failures.model.json is not a centroid model; run npm run causes:model')
  return m
}

export class SimilarFailuresClassifier implements CauseClassifier {
  constructor(
    private readonly rules: CauseClassifier,
    private readonly model: CentroidModel,
    private readonly minSimilarity = MIN_SIMILARITY,
  ) {}

  classify(input: FailureInput): CauseVerdict {
    const v = this.rules.classify(input)
    if (v.class !== 'unknown' || v.rule !== null) return v
    const near = nearestClass(this.model, failureTerms(input))
    if (!near || near.class === 'unknown' || near.similarity < this.minSimilarity) return v
    const cls = CAUSE_CLASSES[near.class]
    const shown = near.terms.map((t) => t.slice(t.indexOf(':') + 1)).join(', ')
    return {
      ...v,
      class: cls.id,
      owner: cls.owner,
      title: `Likely: ${cls.title}`,
      hint: `No rule matched; this failure resembles known ones of this class. ${cls.hint}`,
      rule: SIMILARITY_RULE,
      // Where a rule's match would be: how similar, and the words that made it so (the root exception is shown apart).
      matched: `similar to known ${cls.title.toLowerCase()} failures (cosine ${near.similarity.toFixed(2)}: ${shown})`,
    }
  }
}
