/**
 * Masks the variable parts of a log line before templates are mined (what Drain's preprocessing
 * and Loki's `/patterns` do): UUIDs, Flink ids (32 hex), other hex ids, IPs (with ports), URLs,
 * host:port, file paths, numbers (with units), so "Checkpoint 17 of job 3f2a… expired" and
 * "Checkpoint 18 of job 9c01… expired" are one template.
 */
/** Each rule with a cheap guard: most lines lack what most rules look for (a `://`, a `/`, a `-`). */
const RULES: [RegExp, string, string | null][] = [
  [/\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?/g, '<time>', ':'],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s,;'")\]]+/gi, '<url>', '://'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>', '-'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '<ip>', '.'],
  // Flink execution attempt ids: <vertex hex>_<hex>_<subtask>_<attempt>.
  [/\b[0-9a-f]{8,}(?:_[0-9a-f]+)+\b/gi, '<id>', '_'],
  [/\b[0-9a-f]{32}\b/gi, '<id>', null],
  // Hex ids with at least one digit and one letter (attempt ids, container hashes), 8+ characters.
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<id>', null],
  [/(?:^|(?<=[\s=:(\['"]))(?:\/[\w.@%+~-]+){2,}\/?/g, '<path>', '/'],
  [/\b(?:container|application|appattempt|job|task|attempt|chk|tm|taskmanager)[_-][\w-]*\d[\w-]*/gi, '<id>', null],
  [/\b[A-Za-z]:\\(?:[^\\\s]+\\)*[^\\\s]*/g, '<path>', '\\'],
  [/\b[a-z0-9-]+(?:\.[a-z0-9-]+)+:\d{2,5}\b/gi, '<host>', ':'],
  [/(?<![\w.])[+-]?\d+(?:[.,]\d+)*(?:ms|s|m|h|d|b|kb|mb|gb|k|%)?\b/gi, '<num>', null],
]

export function maskLine(line: string): string {
  let s = line.length > 2000 ? line.slice(0, 2000) : line
  for (const [re, token, guard] of RULES) if (guard === null || s.includes(guard)) s = s.replace(re, token)
  return s
}

/** Masked tokens: kept apart from the wildcard Drain puts where templates differ. */
export const MASK_TOKENS: ReadonlySet<string> = new Set(['<time>', '<url>', '<uuid>', '<ip>', '<id>', '<path>', '<host>', '<num>'])
