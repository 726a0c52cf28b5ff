import type { ServiceEvent, ServiceEventType } from '../model/events.js'

type Listener<E> = (event: E) => void

/** In-process fan-out; a throwing listener is reported, never allowed to break the publisher. */
export class EventBus {
  private readonly listeners = new Map<ServiceEventType | '*', Set<Listener<ServiceEvent>>>()

  constructor(private readonly onListenerError: (err: unknown, event: ServiceEvent) => void = () => {}) {}

  publish(event: ServiceEvent): void {
    for (const key of [event.type, '*'] as const) {
      for (const fn of this.listeners.get(key) ?? []) {
        try {
          fn(event)
        } catch (err) {
          this.onListenerError(err, event)
        }
      }
    }
  }

  /** Returns the function that removes the listener. */
  subscribe<K extends ServiceEventType>(type: K, fn: Listener<Extract<ServiceEvent, { type: K }>>): () => void
  subscribe(type: '*', fn: Listener<ServiceEvent>): () => void
  subscribe(type: ServiceEventType | '*', fn: Listener<never>): () => void {
    let set = this.listeners.get(type)
    if (!set) this.listeners.set(type, (set = new Set()))
    const l = fn as Listener<ServiceEvent>
    set.add(l)
    return () => set.delete(l)
  }
}
