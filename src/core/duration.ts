const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h|d)$'

/** A duration written in config: "500ms" | "5s" | "10m" | "1h" | "7d". */
export type Duration = string

export function parseDuration(text: Duration): number {
  const m = /^([0-9]+)(ms|s|m|h|d)$/.exec(text)
  if (!m) throw new RangeError(`not a duration: ${JSON.stringify(text)} (use 500ms, 5s, 10m, 1h or 7d)`)
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${s % 60 ? ` ${s % 60}s` : ''}`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h${m % 60 ? ` ${m % 60}m` : ''}`
  return `${Math.floor(h / 24)}d${h % 24 ? ` ${h % 24}h` : ''}`
}
