/** Number, time and size formatting for dense tables. */

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  const hr = Math.floor(m / 60)
  if (hr < 48) return `${hr}h ${m % 60}m`
  return `${Math.floor(hr / 24)}d ${hr % 24}h`
}

export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—'
  return v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`
}

export function count(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  const a = Math.abs(v)
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}G`
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`
  return Number.isInteger(v) ? String(v) : v.toFixed(1)
}

export function pct(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—'
  return `${Math.round(v * 100)}%`
}

export function bytes(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—'
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  let x = v
  while (x >= 1024 && i < u.length - 1) (x /= 1024), i++
  return `${x < 10 && i > 0 ? x.toFixed(1) : Math.round(x)} ${u[i]}`
}

export function time(at: number | string | null | undefined): string {
  if (at === null || at === undefined) return '—'
  const d = new Date(at)
  if (Number.isNaN(d.getTime())) return '—'
  const pad = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

export function ago(at: number | null | undefined, now = Date.now()): string {
  if (at === null || at === undefined) return '—'
  return `${duration(now - at)} ago`
}
