/**
 * The service's heap policy, applied by the launcher (`bin/flinkwatch.js`) before anything else runs.
 *
 * V8 lets the old generation grow to up to ~4× what survived the last full GC before it collects again.
 * flinkwatch allocates fast (every poll's responses, parsed JSON and snapshots; ~1,000 requests/s for
 * 10,000 jobs) and many of those objects outlive a young-generation cycle, so they are promoted and
 * die in the old generation. Measured over a 5-minute run of the collectors benchmark (10,000 jobs,
 * `--trace-gc`): the live heap after every full GC stayed at 50–60 MB (up to ~120 MB when a GC hit a
 * history write or a scrape), while the heap grew to 200–500 MB between full GCs and the process RSS
 * to ~585 MB. Nothing was retained; the memory was collection slack. A fixed heap growing factor of
 * 1.75× (`--heap-growing-percent=75`) keeps that slack proportional to the live heap instead, so it
 * scales with the fleet and never caps it (a `--max-old-space-size` would, and would crash a larger
 * fleet); the price is more frequent, mostly concurrent, full GCs.
 *
 * `FLINKWATCH_HEAP_GROWING_PERCENT` overrides the percentage; `0` leaves V8's own policy. A
 * `--heap-growing-percent` given to node (command line or NODE_OPTIONS) is left alone.
 */
import { setFlagsFromString } from 'node:v8'

/** Measured on the collectors bench: 50 kept RSS lowest but cost cycle time (p95 5.2 s), 100 the reverse (311 MB); 75 met both. */
export const DEFAULT_HEAP_GROWING_PERCENT = 75

/** The percentage to apply, or null for V8's own policy; `warn` gets one message for an unusable value. */
export function heapGrowingPercent(env: NodeJS.ProcessEnv, execArgv: readonly string[], warn: (message: string) => void): number | null {
  if (execArgv.some((a) => a.startsWith('--heap-growing-percent')) || /--heap-growing-percent/.test(env.NODE_OPTIONS ?? '')) return null
  const raw = env.FLINKWATCH_HEAP_GROWING_PERCENT
  if (raw === undefined || raw.trim() === '') return DEFAULT_HEAP_GROWING_PERCENT
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0 || n > 1000) {
    warn(`FLINKWATCH_HEAP_GROWING_PERCENT=${JSON.stringify(raw)} is not an integer from 0 to 1000; using ${DEFAULT_HEAP_GROWING_PERCENT}`)
    return DEFAULT_HEAP_GROWING_PERCENT
  }
  return n === 0 ? null : n
}

/**
 * Applies the policy to this process. V8 reads this flag whenever it sets the next full-GC limit, so
 * setting it at start-up takes effect (unlike heap size limits, which are fixed when the heap is made).
 */
export function applyHeapPolicy(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): number | null {
  const percent = heapGrowingPercent(env, execArgv, (m) => process.stderr.write(`flinkwatch: ${m}\n`))
  if (percent !== null) setFlagsFromString(`--heap-growing-percent=${percent}`)
  return percent
}
