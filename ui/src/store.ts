/** A tiny observable value and its Preact hook: enough shared state for the console without a state library. */
import { useEffect, useState } from 'preact/hooks'

export interface Store<T> {
  get value(): T
  set value(v: T)
  subscribe(fn: (v: T) => void): () => void
}

export function store<T>(initial: T): Store<T> {
  let current = initial
  const subs = new Set<(v: T) => void>()
  return {
    get value() {
      return current
    },
    set value(v: T) {
      if (Object.is(v, current)) return
      current = v
      for (const fn of subs) fn(v)
    },
    subscribe(fn) {
      subs.add(fn)
      return () => void subs.delete(fn)
    },
  }
}

export function useStore<T>(s: Store<T>): T {
  const [v, setV] = useState(s.value)
  useEffect(() => {
    setV(s.value)
    return s.subscribe(setV)
  }, [s])
  return v
}
