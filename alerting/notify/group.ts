/**
 * Group stage: items for the same channel and route that arrive within `groupWait` of the first
 * become one digest (Alertmanager's group_wait, per channel and route).
 */
import type { Clock, TimerHandle } from '../../src/core/clock.js'
import type { OutboxItem } from './outbox.js'

export class Grouper {
  private readonly groups = new Map<string, { items: OutboxItem[]; timer: TimerHandle }>()

  constructor(private readonly clock: Clock, private readonly flush: (channel: string, items: OutboxItem[]) => void) {}

  /** The group's wait counts from the first item's detection, not from when it reached the outbox. */
  add(item: OutboxItem, waitMs = Math.max(0, item.transition.at + item.groupWaitMs - this.clock.now())): void {
    const key = `${item.channel}\u0000${item.groupKey}`
    const g = this.groups.get(key)
    if (g) {
      g.items.push(item)
      return
    }
    const timer = this.clock.setTimeout(() => {
      const done = this.groups.get(key)
      this.groups.delete(key)
      if (done) this.flush(item.channel, done.items)
    }, waitMs)
    this.groups.set(key, { items: [item], timer })
  }

  /** Items waiting per channel (for the queue-depth gauge). */
  waiting(): Map<string, number> {
    const out = new Map<string, number>()
    for (const g of this.groups.values()) {
      const ch = g.items[0]!.channel
      out.set(ch, (out.get(ch) ?? 0) + g.items.length)
    }
    return out
  }

  /** Forgets everything (stop): the items are in the outbox and are grouped again at start. */
  clear(): void {
    for (const g of this.groups.values()) this.clock.clearTimeout(g.timer)
    this.groups.clear()
  }
}
