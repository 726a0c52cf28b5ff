/** Silences: matchers (anchored regular expressions) and a time range; kept in the store. */
import { randomUUID } from 'node:crypto'
import { BadRequestError, errorMessage } from '../../src/core/errors.js'
import type { AlertEvent, Silence } from '../../src/model/alert.js'
import type { Store } from '../../src/storage/store.js'
import { MAX_LIMIT } from '../../src/storage/store.js'
import { SILENCES } from './collections.js'
import { DocGuard, SilenceDoc } from './stored.js'

type MatcherKey = keyof Silence['matchers']

export class Silences {
  private readonly all = new Map<string, { s: Silence; re: Partial<Record<MatcherKey, RegExp>> }>()

  constructor(private readonly store: Store, private readonly guard = new DocGuard()) {}

  /** A malformed document (or one whose matcher no longer compiles) is skipped, never fatal. */
  async load(): Promise<void> {
    const r = await this.store.query(SILENCES, { limit: MAX_LIMIT, order: 'desc' })
    for (const d of r.docs) {
      const s = this.guard.check(SILENCES, SilenceDoc, d)
      if (!s) continue
      try {
        this.remember(s)
      } catch (err) {
        this.guard.skip(SILENCES, d.id, errorMessage(err))
      }
    }
  }

  list(now: number, activeOnly = false): Silence[] {
    return [...this.all.values()].map((e) => e.s).filter((s) => !activeOnly || isActive(s, now)).sort((a, b) => b.startsAt - a.startsAt)
  }

  async add(input: { matchers: Silence['matchers']; startsAt: number; endsAt: number; createdBy: string; comment: string }): Promise<Silence> {
    const keys = Object.entries(input.matchers).filter(([, v]) => v !== undefined && v !== '')
    if (keys.length === 0) throw new BadRequestError('matchers: give at least one of cluster, job, rule, severity')
    if (input.endsAt <= input.startsAt) throw new BadRequestError('endsAt must be after startsAt')
    const s: Silence = { id: randomUUID(), matchers: Object.fromEntries(keys), startsAt: input.startsAt, endsAt: input.endsAt, createdBy: input.createdBy, comment: input.comment, expiredAt: null }
    this.compile(s)
    await this.store.write(SILENCES, [{ id: s.id, timestamp: s.startsAt, body: s as unknown as Record<string, unknown> }], 'create')
    this.remember(s)
    return s
  }

  /** Ends a silence now; false when unknown. */
  async expire(id: string, now: number): Promise<Silence | undefined> {
    const e = this.all.get(id)
    if (!e) return undefined
    if (isActive(e.s, now) || e.s.startsAt > now) {
      e.s = { ...e.s, expiredAt: now }
      await this.store.write(SILENCES, [{ id, timestamp: e.s.startsAt, body: e.s as unknown as Record<string, unknown> }], 'upsert')
    }
    return e.s
  }

  /** The first active silence matching the incident. */
  matching(a: AlertEvent, now: number): Silence | undefined {
    const values: Record<MatcherKey, string> = { cluster: a.cluster, job: a.jobName ?? '', rule: a.rule, severity: a.severity }
    for (const { s, re } of this.all.values()) {
      if (!isActive(s, now)) continue
      if ((Object.keys(re) as MatcherKey[]).every((k) => re[k]!.test(values[k]))) return s
    }
    return undefined
  }

  private remember(s: Silence): void {
    this.all.set(s.id, { s, re: this.compile(s) })
  }

  private compile(s: Silence): Partial<Record<MatcherKey, RegExp>> {
    const out: Partial<Record<MatcherKey, RegExp>> = {}
    for (const [k, v] of Object.entries(s.matchers) as [MatcherKey, string | undefined][]) {
      if (v === undefined) continue
      try {
        out[k] = new RegExp(`^(?:${v})$`)
      } catch {
        throw new BadRequestError(`matchers.${k}: not a valid regular expression: ${v}`)
      }
    }
    return out
  }
}

export function isActive(s: Silence, now: number): boolean {
  return s.expiredAt === null && s.startsAt <= now && now < s.endsAt
}
