/** A scripted Flink REST API behind a fetch function, serving the recorded payloads in test/fixtures/flink. */
import { readFileSync } from 'node:fs'
import type { FetchLike } from '../../../../platforms/flink/flink-rest-client.js'

const FIXTURES = new URL('../../../fixtures/flink/', import.meta.url).pathname

export function fixture(version: '1.17' | '1.20', name: string): unknown {
  return JSON.parse(readFileSync(`${FIXTURES}${version}/${name}.json`, 'utf8')) as unknown
}

export function fixtureText(version: '1.17' | '1.20', name: string): string {
  return readFileSync(`${FIXTURES}${version}/${name}.json`, 'utf8')
}

export type Answer = { status?: number; body?: unknown; raw?: string } | 'hang'
export type Handler = Answer | ((n: number) => Answer)

export const JOB_A = 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1'
export const JOB_B = 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2'
export const V_SRC = 'cbc357ccb763df2852fee8c4fc7d55f2'
export const V_MAP = '9dd63673dd41ea021b896d5203f3ba7c'
export const V_SINK = '0a448493b4782967b150582570326227'

export class FakeFlink {
  /** Keyed by path, or by path + query for an exact match (which wins). */
  readonly routes = new Map<string, Handler>()
  readonly calls: string[] = []
  private readonly counts = new Map<string, number>()

  constructor(readonly base = 'http://jm.test:8081') {}

  set(path: string, h: Handler): this {
    this.routes.set(path, h)
    return this
  }

  /** Standard healthy cluster in the given version's shapes. */
  static standard(version: '1.17' | '1.20' = '1.20'): FakeFlink {
    const f = new FakeFlink()
    const v = (name: string): Answer => ({ body: fixture(version, name) })
    const v20 = (name: string): Answer => ({ body: fixture('1.20', name) })
    f.set('/overview', v('overview'))
      .set('/jobs/overview', v('jobs-overview'))
      .set('/jobs', v20('jobs'))
      .set(`/jobs/${JOB_A}`, v('job-details'))
      .set(`/jobs/${JOB_A}/metrics`, v20('job-metrics'))
      .set(`/jobs/${JOB_A}/checkpoints`, v20('checkpoints'))
      .set(`/jobs/${JOB_A}/checkpoints/config`, v20('checkpoints-config'))
      .set(`/jobs/${JOB_A}/exceptions`, v('exceptions'))
      .set(`/jobs/${JOB_A}/vertices/${V_SRC}/subtasks/metrics`, (n) => v20(n === 1 ? 'vertex-metric-ids-source' : 'vertex-metrics-source'))
      .set(`/jobs/${JOB_A}/vertices/${V_MAP}/subtasks/metrics`, v20('vertex-metrics-map'))
      .set(`/jobs/${JOB_A}/vertices/${V_SINK}/subtasks/metrics`, v20('vertex-metrics-sink'))
      .set(`/jobs/${JOB_B}`, v20('failed-job-details'))
      .set(`/jobs/${JOB_B}/metrics`, v20('failed-job-metrics'))
      .set(`/jobs/${JOB_B}/checkpoints`, { status: 404, body: fixture('1.20', 'checkpoints-not-enabled') })
      .set(`/jobs/${JOB_B}/checkpoints/config`, { status: 404, body: { errors: ['Checkpointing is not enabled for this job'] } })
      .set(`/jobs/${JOB_B}/exceptions`, v('exceptions'))
      .set('/taskmanagers/metrics', v('taskmanagers-metrics'))
    return f
  }

  /** Requests whose path starts with `prefix`. */
  count(prefix: string): number {
    return this.calls.filter((c) => c.startsWith(prefix)).length
  }

  readonly fetch: FetchLike = async (url, init) => {
    const u = new URL(url)
    const full = u.pathname + u.search
    this.calls.push(full)
    const h = this.routes.get(full) ?? this.routes.get(u.pathname)
    const key = this.routes.has(full) ? full : u.pathname
    const n = (this.counts.get(key) ?? 0) + 1
    this.counts.set(key, n)
    const answer: Answer = h === undefined ? { status: 404, body: { errors: ['Not found: ' + u.pathname] } } : typeof h === 'function' ? h(n) : h
    if (answer === 'hang') {
      return new Promise<Response>((_, reject) => {
        const signal = init.signal
        if (signal?.aborted) return reject(signal.reason)
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true })
      })
    }
    const text = answer.raw ?? JSON.stringify(answer.body ?? {})
    return new Response(text, { status: answer.status ?? 200, headers: { 'content-type': 'application/json' } })
  }
}
