/**
 * One kind of work (clusters, channels) shared over the live instances: each id goes to its rendezvous
 * choice among the live members, and the lease decides. The chosen instance takes a lease only when it is
 * free, released or expired; an instance that holds a lease it is no longer the choice for stops the work
 * first (onRelease), then releases, so a join moves work without two holders, and a death moves it after
 * the lease's TTL. A lease whose validity ran out by the local clock (a paused process, a store outage) is
 * dropped before anything else happens, without a write.
 */
import type { Clock } from '../core/clock.js'
import type { Logger } from '../core/logger.js'
import { errorMessage } from '../core/errors.js'
import type { Coordinator, LeaseGrant } from './coordinator.js'
import type { Fence } from './fence.js'
import { rendezvousOwner } from './rendezvous.js'

export type OwnershipChange =
  /** Took a free lease. */
  | 'acquired'
  /** Took a lease another instance let expire (it died, or was paused or cut off). */
  | 'takeover'
  /** Took a lease another instance released for us. */
  | 'handover'
  /** Released: another live instance is the choice now (it joined). */
  | 'rebalance'
  /** Renewal refused: someone else holds it now. */
  | 'lost'
  /** Validity ran out by our clock before a renewal got through. */
  | 'expired'
  /** This instance stops. */
  | 'shutdown'

export interface LeaseShareOptions {
  /** Lease keys are `<kind>:<id>`. */
  kind: string
  ids: readonly string[]
  coordinator: Coordinator
  clock: Clock
  logger?: Logger
  /** Start the work for `id`, acting under `fence`. */
  onAcquire(id: string, fence: Fence, change: OwnershipChange): void | Promise<void>
  /** Stop the work for `id`; resolves when nothing more will be done under its fence. */
  onRelease(id: string, reason: OwnershipChange): void | Promise<void>
  onChange?(id: string, change: OwnershipChange): void
  /** Parallel lease calls per round (default 16). */
  concurrency?: number
}

class Held implements Fence {
  lost = false
  constructor(public grant: LeaseGrant, private readonly clock: Clock) {}
  get key(): string {
    return this.grant.key
  }
  get epoch(): number {
    return this.grant.epoch
  }
  held(): boolean {
    return !this.lost && this.clock.now() < this.grant.validUntil
  }
}

export class LeaseShare {
  private readonly held = new Map<string, Held>()
  private wanted = new Set<string>()
  private readonly busy = new Set<string>()

  constructor(private readonly o: LeaseShareOptions) {}

  get kind(): string {
    return this.o.kind
  }

  /** Ids this instance holds and may act for now. */
  owned(): string[] {
    return [...this.held.entries()].filter(([, h]) => h.held()).map(([id]) => id)
  }

  fence(id: string): Fence | undefined {
    const h = this.held.get(id)
    return h?.held() ? h : undefined
  }

  /** Ids this instance is the choice for but does not hold yet (their lease is held elsewhere until release or expiry). */
  missing(): string[] {
    return [...this.wanted].filter((id) => !this.held.get(id)?.held())
  }

  /** One round against the live members (ids, this instance included). */
  async reconcile(alive: readonly string[]): Promise<void> {
    const me = this.o.coordinator.instanceId
    const members = alive.includes(me) ? alive : [...alive, me]
    const wanted = new Set(this.o.ids.filter((id) => rendezvousOwner(id, members) === me))
    this.wanted = wanted
    await this.dropLapsed()
    await pool(this.o.ids, this.o.concurrency ?? 16, async (id) => {
      if (this.busy.has(id)) return
      this.busy.add(id)
      try {
        await this.step(id, wanted.has(id))
      } catch (err) {
        this.o.logger?.warn({ kind: this.o.kind, id, err: errorMessage(err) }, 'lease round failed')
      } finally {
        this.busy.delete(id)
      }
    })
  }

  /** Lapsed leases first: nothing may act on them from now on, whatever the store says. */
  async dropLapsed(): Promise<void> {
    for (const [id, h] of [...this.held]) if (!h.held()) await this.drop(id, h, 'expired')
  }

  /** Stops the work for every id and releases the leases (clean shutdown: others take over at once). */
  async releaseAll(): Promise<void> {
    for (const [id, h] of [...this.held]) {
      await this.drop(id, h, 'shutdown')
      await this.o.coordinator.release(h.grant).catch(() => undefined)
    }
    this.wanted = new Set()
  }

  private async step(id: string, want: boolean): Promise<void> {
    const key = `${this.o.kind}:${id}`
    const h = this.held.get(id)
    if (h && !want) {
      await this.drop(id, h, 'rebalance')
      await this.o.coordinator.release(h.grant)
      return
    }
    if (h) {
      const renewed = await this.o.coordinator.acquire(key, h.grant)
      if (renewed && h.held()) h.grant = renewed
      else if (!renewed) await this.drop(id, h, 'lost')
      return
    }
    if (!want) return
    const grant = await this.o.coordinator.acquire(key)
    if (!grant) return
    const taken = new Held(grant, this.o.clock)
    this.held.set(id, taken)
    const change: OwnershipChange = grant.takenFrom ? (grant.takenFrom.expired ? 'takeover' : 'handover') : 'acquired'
    this.o.logger?.info({ kind: this.o.kind, id, epoch: grant.epoch, from: grant.takenFrom?.holder }, `${this.o.kind} ${id}: ${change}`)
    this.o.onChange?.(id, change)
    await this.o.onAcquire(id, taken, change)
  }

  private async drop(id: string, h: Held, reason: OwnershipChange): Promise<void> {
    h.lost = true
    this.held.delete(id)
    this.o.logger?.info({ kind: this.o.kind, id, epoch: h.epoch }, `${this.o.kind} ${id}: ${reason}`)
    this.o.onChange?.(id, reason)
    await this.o.onRelease(id, reason)
  }
}

async function pool<T>(items: readonly T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T)
  }
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker))
}
