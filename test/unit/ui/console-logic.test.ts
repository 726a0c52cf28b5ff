/** The console's pure logic (ui/src): fleet filtering and sorting, recommendation badges, highlight splitting. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { JobStore, STATE_ORDER, UpdateQueue, firingIndex, jobKey, recommendationBadge, visibleRows, type FleetRow } from '../../../ui/src/pages/fleet-data.js'
import { SEVERITY_ORDER } from '../../../src/fleet/job-order.js'
import { currentCause } from '../../../ui/src/incidents.js'
import { highlightTerms, queryWords, splitByTerms } from '../../../ui/src/text.js'
import type { Alert, Recommendation } from '../../../ui/src/types.js'

function row(p: Partial<FleetRow> & { jobId: string; name: string }): FleetRow {
  return { cluster: 'c1', state: 'RUNNING', startTime: 0, restarts: 0, lastCheckpoint: null, lag: null, backpressure: null, busy: null, firing: 0, recommendation: null, ...p }
}

describe('fleet rows', () => {
  const rows = [
    row({ jobId: 'a1', name: 'orders', lag: 10, state: 'RUNNING' }),
    row({ jobId: 'b2', name: 'payments', lag: 500, state: 'FAILED', cluster: 'c2' }),
    row({ jobId: 'c3', name: 'Orders-EU', lag: null, state: 'RESTARTING' }),
  ]
  const base = { q: '', state: '', cluster: '', sort: 'state' as const, dir: 'asc' as const }

  it('orders states as the severity order of the server does (the first screen is the head of this table)', () => {
    assert.deepEqual(STATE_ORDER, SEVERITY_ORDER)
  })
  it('sorts by state with failures first, then by name', () => {
    assert.deepEqual(visibleRows(rows, base, 0).map((r) => r.jobId), ['b2', 'c3', 'a1'])
  })
  it('filters by case-insensitive name or id substring, state and cluster', () => {
    assert.deepEqual(visibleRows(rows, { ...base, q: 'ORDERS', sort: 'name' }, 0).map((r) => r.jobId), ['a1', 'c3'])
    assert.deepEqual(visibleRows(rows, { ...base, q: 'b2' }, 0).map((r) => r.jobId), ['b2'])
    assert.deepEqual(visibleRows(rows, { ...base, state: 'RUNNING' }, 0).map((r) => r.jobId), ['a1'])
    assert.deepEqual(visibleRows(rows, { ...base, cluster: 'c2' }, 0).map((r) => r.jobId), ['b2'])
  })
  it('sorts numbers descending with missing values last', () => {
    assert.deepEqual(visibleRows(rows, { ...base, sort: 'lag', dir: 'desc' }, 0).map((r) => r.jobId), ['b2', 'a1', 'c3'])
  })
  it('counts firing alerts per job id, falling back to the job name', () => {
    const a = (p: Partial<Alert>): Alert => ({ id: Math.random().toString(), rule: 'r', severity: 'critical', state: 'firing', cluster: 'c1', jobId: null, jobName: null, summary: '', startsAt: 0, endsAt: null, labels: {}, figures: {}, ...p })
    const idx = firingIndex([a({ jobId: 'a1' }), a({ jobId: 'a1' }), a({ jobName: 'orders' }), a({ jobId: 'a1', state: 'resolved' })])
    assert.equal(idx.byId.get(jobKey('c1', 'a1')), 2)
    assert.equal(idx.byName.get(jobKey('c1', 'orders')), 1)
  })
})

describe('the cause shown on the job page', () => {
  const cause = (cls: string): NonNullable<Alert['cause']> => ({ class: cls, owner: 'job', title: cls, hint: '', runbook: null, evidence: { exception: null, frames: [], logs: [], countLast7d: 1 } })
  const a = (id: string, startsAt: number, c?: string): Alert => ({ id, rule: 'job-failed', severity: 'critical', state: 'firing', cluster: 'c1', jobId: 'j', jobName: 'orders', summary: '', startsAt, endsAt: null, labels: {}, figures: {}, ...(c ? { cause: cause(c) } : {}) })

  it('is the newest classified incident of the current run', () => {
    assert.equal(currentCause([a('old', 100, 'user-code'), a('new', 300, 'checkpoint-timeout'), a('newest-unclassified', 400)], 50)?.id, 'new')
  })
  it('leaves out failures of an earlier run (a resubmitted job starts later)', () => {
    assert.equal(currentCause([a('before', 100, 'user-code')], 200), null)
    assert.equal(currentCause([a('before', 100, 'user-code')], null)?.id, 'before')
  })
})

describe('recommendation badge', () => {
  const rec = (recommended: number | null, heap: { current: number | null; recommended: number | null } = { current: null, recommended: null }): Recommendation => ({
    cluster: 'c1', jobName: 'j', jobId: 'x', computedAt: 0,
    vertices: [{ vertexId: 'v', vertexName: 'Source', isSource: true, parallelism: { current: 2, recommended, reason: '', confidence: 'high' } }],
    taskManager: { heapBytes: { ...heap, reason: '', confidence: 'low' }, managedMemoryBytes: { current: null, recommended: null, reason: '', confidence: 'none' } },
  })
  it('says scale up or down only when the recommendation differs', () => {
    assert.equal(recommendationBadge(rec(4)), 'scale ↑ 4')
    assert.equal(recommendationBadge(rec(1)), 'scale ↓ 1')
    assert.equal(recommendationBadge(rec(2)), null)
    assert.equal(recommendationBadge(rec(null)), null)
    assert.equal(recommendationBadge(undefined), null)
  })
  it('flags heap changes over 10%', () => {
    assert.equal(recommendationBadge(rec(2, { current: 1000, recommended: 1500 })), 'heap ↑')
    assert.equal(recommendationBadge(rec(2, { current: 1000, recommended: 1050 })), null)
  })
})

describe('highlighting splits text, never parses it', () => {
  it('reads the marked terms of a server fragment as text', () => {
    assert.deepEqual(highlightTerms('a <em>poison</em> record <em><script></em>'), ['poison', '<script>'])
    assert.deepEqual(highlightTerms(null), [])
  })
  it('cuts text into parts that join back to it, matches marked case-insensitively', () => {
    const text = 'Poison <img src=x onerror=alert(1)> poison'
    const parts = splitByTerms(text, ['poison', 'onerror='])
    assert.equal(parts.map((p) => p.text).join(''), text)
    assert.deepEqual(parts.filter((p) => p.hit).map((p) => p.text), ['Poison', 'onerror=', 'poison'])
  })
  it('marks whole words only', () => {
    assert.deepEqual(splitByTerms('token=tok-1 tokens', ['tok']).filter((p) => p.hit).map((p) => p.text), ['tok'])
    assert.deepEqual(splitByTerms('token=tok-1', ['tok-1', 'tok']).map((p) => [p.text, p.hit]), [['token=', false], ['tok-1', true]])
  })
  it('treats regex characters in terms literally', () => {
    assert.deepEqual(splitByTerms('a.b axb', ['a.b']).filter((p) => p.hit).map((p) => p.text), ['a.b'])
  })
  it('takes plain words and phrases of a query, not field values or exclusions', () => {
    assert.deepEqual(queryWords('checkpoint "declined by" level:error -timeout job:x'), ['checkpoint', 'declined by'])
  })
})

describe('job store', () => {
  it('retain drops the jobs a reload no longer lists and keeps the count right', () => {
    const s = new JobStore()
    for (const [c, id] of [['c1', 'a'], ['c1', 'b'], ['c2', 'c']] as const) s.set(row({ cluster: c, jobId: id, name: id }))
    s.retain(new Set([jobKey('c1', 'b')]))
    assert.equal(s.size, 1)
    assert.deepEqual([...s.values()].map((j) => j.jobId), ['b'])
    assert.equal(s.get('c2', 'c'), undefined)
  })
})

describe('live updates', () => {
  it('the store keeps one row per cluster and job id and counts them', () => {
    const s = new JobStore()
    s.set(row({ jobId: 'a', name: 'x' }))
    s.set(row({ jobId: 'a', name: 'x', state: 'FAILED' }))
    s.set(row({ jobId: 'a', name: 'x', cluster: 'c2' }))
    assert.equal(s.size, 2)
    assert.equal(s.get('c1', 'a')?.state, 'FAILED')
    assert.deepEqual([...s.values()].map((j) => j.cluster), ['c1', 'c2'])
  })
  it('the queue merges within the time budget and keeps the rest, in arrival order', () => {
    const q = new UpdateQueue()
    q.push(Array.from({ length: 1200 }, (_, i) => row({ jobId: `j${i}`, name: 'n' })))
    q.push([row({ jobId: 'j0', name: 'n', state: 'FAILED' })])
    const merged: string[] = []
    let t = 0
    // Each clock read advances 5 ms: a 8 ms budget allows two chunks of 500.
    const more = q.drain((j) => merged.push(`${j.jobId}:${j.state}`), 8, () => (t += 5))
    assert.equal(more, true)
    assert.equal(merged.length, 1000)
    assert.equal(q.drain((j) => merged.push(`${j.jobId}:${j.state}`), 1000, () => 0), false)
    assert.equal(merged.length, 1201)
    assert.equal(merged.at(-1), 'j0:FAILED', 'the later update of a job lands last')
    assert.ok(q.empty)
  })
})
