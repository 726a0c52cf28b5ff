/**
 * Group stage, per channel and route (a "group").
 *
 * Leading edge (the default): when a group is quiet, its first transitions go out at once, because
 * the first message is the one that tells on-call something broke, and holding it for groupWait
 * only delays that. It is one message (the pipeline defers what it cannot name to the digest,
 * which it counts against). What arrives within groupWait after it becomes the next digest; while
 * transitions keep coming the group sends at most one digest per groupWait, and once a whole
 * groupWait passes without any, it is quiet again. A storm is therefore a first message at once
 * plus one digest per groupWait, not one message per transition.
 *
 * `holdFirst` (Alertmanager's group_wait): the first transition of a group is held too, and
 * everything within groupWait of it becomes one digest.
 *
 * Windows count from the detection of the transition that opened them, not from when it reached
 * the outbox, so time spent writing the outbox is not added to the wait.
 */
import type { Clock, TimerHandle } from '../../src/core/clock.js'
import type { OutboxItem } from './outbox.js'

/** What kind of flush: the first message of a quiet group, or a digest (and what the window already sent). */
export interface FlushKind {
  /** The first message of a quiet group: one message; what does not fit is deferred to the digest. */
  leading: boolean
  /** Messages this group already sent in the window the digest closes (the leading one). */
  alreadySent: number
}

interface Group {
  channel: string
  /** Transitions waiting for the end of the window. */
  items: OutboxItem[]
  timer: TimerHandle
  /** Leading-edge groups stay open one more window after a digest; held groups close. */
  leading: boolean
  waitMs: number
  alreadySent: number
}

export class Grouper {
  private readonly groups = new Map<string, Group>()

  constructor(private readonly clock: Clock, private readonly flush: (channel: string, items: OutboxItem[], kind: FlushKind) => void) {}

  /**
   * Items written to the outbox together (one burst: a poll's worth of failures, or what a restart
   * found pending) join one leading message per quiet group, so a cluster that loses 100 jobs at
   * once is one first message about all of them, not a message about one job and a digest later.
   */
  add(items: readonly OutboxItem[]): void {
    const leading = new Map<string, OutboxItem[]>()
    for (const item of items) {
      const key = `${item.channel}\u0000${item.groupKey}`
      const lead = leading.get(key)
      if (lead) {
        lead.push(item)
        continue
      }
      const g = this.groups.get(key)
      if (g) {
        g.items.push(item)
        continue
      }
      const waitMs = Math.max(0, item.transition.at + item.groupWaitMs - this.clock.now())
      if (item.holdFirst === true) {
        this.open(key, { channel: item.channel, items: [item], leading: false, waitMs: item.groupWaitMs, alreadySent: 0 }, waitMs)
        continue
      }
      leading.set(key, [item])
      this.open(key, { channel: item.channel, items: [], leading: true, waitMs: item.groupWaitMs, alreadySent: 1 }, waitMs)
    }
    for (const lead of leading.values()) this.flush(lead[0]!.channel, lead, { leading: true, alreadySent: 0 })
  }

  /**
   * Puts items a first message could not name back at the head of their group's window, so the
   * digest names them. A group that is gone (stopping) leaves them pending in the outbox.
   */
  defer(items: readonly OutboxItem[]): void {
    for (const item of [...items].reverse()) this.groups.get(`${item.channel}\u0000${item.groupKey}`)?.items.unshift(item)
  }

  private open(key: string, g: Omit<Group, 'timer'>, waitMs: number): void {
    const timer = this.clock.setTimeout(() => this.close(key), waitMs)
    this.groups.set(key, { ...g, timer })
  }

  private close(key: string): void {
    const g = this.groups.get(key)
    this.groups.delete(key)
    if (!g || g.items.length === 0) return
    this.flush(g.channel, g.items, { leading: false, alreadySent: g.alreadySent })
    // The group is still busy: the next transitions wait for the next digest instead of being
    // sent at once, so a long storm costs one message per groupWait, not two.
    if (g.leading) this.open(key, { ...g, items: [], alreadySent: 0 }, g.waitMs)
  }

  /** Items waiting per channel (for the queue-depth gauge). */
  waiting(): Map<string, number> {
    const out = new Map<string, number>()
    for (const g of this.groups.values()) out.set(g.channel, (out.get(g.channel) ?? 0) + g.items.length)
    return out
  }

  /** Forgets everything (stop): the items are in the outbox and are grouped again at start. */
  clear(): void {
    for (const g of this.groups.values()) this.clock.clearTimeout(g.timer)
    this.groups.clear()
  }
}
