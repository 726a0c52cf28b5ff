/**
 * Writes src/causes/similar-failures.model.json, the class centroids of the similarity fallback
 * (src/causes/similar-failures.ts), from the labelled corpus: every entry but the fresh set, which
 * stays unseen until it is scored. `npm run causes:model`; a unit test fails when the file is stale.
 */
import { writeFileSync } from 'node:fs'
import { trainCentroids, type CentroidModel } from '../../src/causes/centroids.js'
import { failureTerms } from '../../src/causes/terms.js'
import { isFresh, loadCorpus, type CorpusEntry } from '../helpers/failure-corpus.js'

export const MODEL_FILE = new URL('../../src/causes/similar-failures.model.json', import.meta.url)

export function corpusModel(entries: readonly CorpusEntry[] = loadCorpus().entries): CentroidModel {
  return trainCentroids(entries.filter((e) => !isFresh(e.id)).map((e) => ({ terms: failureTerms(e.failure), label: e.label })))
}

export function modelText(m: CentroidModel): string {
  return JSON.stringify(m) + '\n'
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const m = corpusModel()
  writeFileSync(MODEL_FILE, modelText(m))
  console.log(`wrote ${MODEL_FILE.pathname}: ${m.trainedOn} entries, ${Object.keys(m.idf).length} terms`)
}
