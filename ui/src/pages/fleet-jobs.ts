/**
 * The fleet table's jobs as a hook: the first screen (the server's head of the default order), the whole
 * list page by page, and the stream's changes, all merged into one JobStore through the update queue (one
 * merge of at most ~8 ms per animation frame), so neither a load of 10,000 jobs nor a burst of updates is
 * one long task. The table re-orders when a load ends and at most once a second while changes stream in.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { api } from '../api.js'
import { FLEET_JOBS, fleetFirstScreen, fleetPage, prefetchedOrFetch } from '../prefetch.js'
import type { JobSummary } from '../types.js'
import { JobStore, UpdateQueue, jobKey } from './fleet-data.js'

interface JobsPage {
  jobs: JobSummary[]
  total: number
  nextCursor: string | null
}

export interface FleetJobs {
  /** The store as it is now (a new one after the first screen; read it at render time). */
  store(): JobStore
  /** Bumped by every merge: cells show the newest data. */
  version: number
  /** Bumped when the table should re-order. */
  orderVersion: number
  /** While a first load is still coming in: how many jobs the whole list has. */
  partialTotal: number | null
  /** Loads the whole list (`first`: start from the boot prefetch and the first screen). One at a time. */
  load(first?: boolean): Promise<void>
  /** Changed jobs from the stream, merged at the next frame. */
  push(jobs: JobSummary[]): void
  /** Whether a load is under way (it may bring a job the stream names before the store has it). */
  loading(): boolean
}

export function useFleetJobs(params: URLSearchParams, onError: (err: unknown) => void): FleetJobs {
  const jobs = useRef(new JobStore())
  const pending = useRef(new UpdateQueue())
  const frame = useRef(0)
  const [version, setVersion] = useState(0)
  const [orderVersion, setOrderVersion] = useState(0)
  const [partialTotal, setPartialTotal] = useState<number | null>(null)
  const lastOrder = useRef(0)
  const orderTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  // Runs once the update queue is empty again: what a load does after its last page is merged.
  const afterDrain = useRef<(() => void) | null>(null)
  const loading = useRef<Promise<void> | null>(null)
  const loadAgain = useRef(false)

  const bump = () => setVersion((v) => v + 1)
  const orderNow = () => {
    lastOrder.current = Date.now()
    setOrderVersion((v) => v + 1)
  }
  // Many updates per second become one merge and one render per animation frame.
  const schedule = () => {
    if (frame.current) return
    frame.current = requestAnimationFrame(() => {
      frame.current = 0
      const store = jobs.current
      const more = pending.current.drain((j) => store.set(j), 8)
      bump()
      if (more) schedule()
      else if (afterDrain.current) {
        const then = afterDrain.current
        afterDrain.current = null
        then()
      }
    })
  }
  const push = (list: JobSummary[]) => {
    pending.current.push(list)
    schedule()
  }

  /**
   * The whole list, page by page in cluster order (2,000 jobs, ~0.6 MB each): each page is parsed on its
   * own and merged in slices. Jobs no page had are dropped once the last page is merged.
   */
  const loadAll = async (first: boolean) => {
    let page = first ? prefetchedOrFetch<JobsPage>(FLEET_JOBS) : api<JobsPage>(FLEET_JOBS)
    page.catch(() => undefined) // awaited below; must not count as unhandled while the head is awaited
    const headPath = first ? fleetFirstScreen(params) : null
    if (headPath) {
      const head = await prefetchedOrFetch<JobsPage>(headPath).catch(() => null)
      if (head && jobs.current.size === 0) {
        const m = new JobStore()
        for (const j of head.jobs) m.set(j)
        jobs.current = m
        bump()
        // A new list is ordered at once, not at the next once-a-second re-ordering.
        orderNow()
        if (head.jobs.length < head.total) setPartialTotal(head.total)
      }
    }
    const seen = new Set<string>()
    for (;;) {
      const r = await page
      for (const j of r.jobs) seen.add(jobKey(j.cluster, j.jobId))
      push(r.jobs)
      if (!r.nextCursor) break
      if (first) setPartialTotal(r.total)
      page = api<JobsPage>(fleetPage(r.nextCursor))
    }
    afterDrain.current = () => {
      jobs.current.retain(seen)
      setPartialTotal(null)
      bump()
      orderNow()
    }
    schedule()
  }
  // One load at a time: a reload asked for meanwhile runs once after it (a load of 10,000 jobs restarted by
  // every change it has not reached yet would never end).
  const load = (first = false): Promise<void> => {
    if (loading.current) {
      loadAgain.current = true
      return loading.current
    }
    const p = loadAll(first).finally(() => {
      loading.current = null
      if (loadAgain.current) {
        loadAgain.current = false
        void load().catch(onError)
      }
    })
    loading.current = p
    return p
  }

  // Streamed changes re-order the table at most once a second; the cells show them every frame.
  useEffect(() => {
    if (orderTimer.current) return
    const wait = Math.max(0, lastOrder.current + 1000 - Date.now())
    orderTimer.current = setTimeout(() => {
      orderTimer.current = undefined
      orderNow()
    }, wait)
  }, [version])
  useEffect(
    () => () => {
      clearTimeout(orderTimer.current)
      cancelAnimationFrame(frame.current)
    },
    [],
  )

  return { store: () => jobs.current, version, orderVersion, partialTotal, load, push, loading: () => loading.current !== null }
}
