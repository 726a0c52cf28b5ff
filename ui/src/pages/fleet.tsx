/** Fleet (landing page): clusters, then every job in a virtualised, live-updating, filterable table. */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { api } from '../api.js'
import { Badge, ErrorNote, Empty } from '../components/ui.js'
import { VirtualRows } from '../components/virtual-rows.js'
import { count, duration, ms, pct } from '../format.js'
import { Link, jobHref, setParams, useRoute } from '../router.js'
import { useStream, type StreamMessage } from '../stream.js'
import type { Alert, Cluster, JobSummary, Recommendation } from '../types.js'
import { firingIndex, jobKey, recommendationBadge, uptime, visibleRows, type SortColumn } from './fleet-data.js'
import { useFleetJobs } from './fleet-jobs.js'

const STATES = ['RUNNING', 'RESTARTING', 'FAILING', 'FAILED', 'CANCELED', 'FINISHED', 'INITIALIZING', 'CREATED', 'SUSPENDED', 'RECONCILING', 'UNKNOWN']
const ROW_HEIGHT = 30

const COLUMNS: { id: SortColumn | null; label: string; title?: string; num?: boolean }[] = [
  { id: 'state', label: 'State' },
  { id: 'name', label: 'Job' },
  { id: 'cluster', label: 'Cluster' },
  { id: 'uptime', label: 'Uptime', num: true },
  { id: 'restarts', label: 'Restarts 1h', num: true, title: 'Restarts in the last hour (total when the server does not say)' },
  { id: 'checkpoint', label: 'Checkpoint', num: true, title: 'Age of the last completed checkpoint, its duration' },
  { id: null, label: 'Failed ckpt', num: true },
  { id: 'lag', label: 'Kafka lag', num: true, title: 'Records behind, and the trend per minute' },
  { id: 'busy', label: 'Busy', num: true },
  { id: 'backpressure', label: 'Backpr.', num: true },
  { id: 'alerts', label: 'Alerts' },
  { id: null, label: 'Advice' },
]

function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs)
    return () => clearInterval(t)
  }, [everyMs])
  return now
}

function ClusterCards(props: { clusters: Cluster[] }) {
  if (props.clusters.length === 0) return <Empty>No clusters configured.</Empty>
  return (
    <div class="cluster-cards" data-testid="clusters">
      {props.clusters.map((c) => (
        <div class={`cluster-card ${c.status}`} key={c.id} data-testid="cluster-card" data-cluster={c.id}>
          <div class="cluster-head">
            <span class={`dot ${c.status === 'up' ? 'ok' : 'bad'}`} />
            <span class="cluster-id">{c.id}</span>
            <span class="cluster-type">
              {c.type}
              {c.version ? ` ${c.version}` : ''}
            </span>
            <Badge value={c.status} />
          </div>
          <div class="cluster-figures">
            <span>
              <b>{c.taskManagers}</b> TMs
            </span>
            <span>
              <b>{c.slots.total - c.slots.available}</b>/{c.slots.total} slots used
            </span>
            <span>
              <b>{c.jobs.running}</b>/{c.jobs.total} jobs running
            </span>
          </div>
          {c.status === 'down' && c.lastError ? <div class="cluster-error">{c.lastError}</div> : null}
        </div>
      ))}
    </div>
  )
}

function Trend(props: { v: number | null | undefined }) {
  const v = props.v
  if (v === null || v === undefined) return null
  if (Math.abs(v) < 1) return <span class="trend flat">→</span>
  return <span class={v > 0 ? 'trend up' : 'trend down'} title={`${count(v)} records/min`}>{v > 0 ? '↑' : '↓'}{count(Math.abs(v))}/m</span>
}

function ratioTone(v: number | null): string {
  if (v === null) return ''
  return v >= 0.8 ? 'bad-text' : v >= 0.5 ? 'warn-text' : ''
}

function Row(props: { r: JobSummary; firing: number; recommendation: string | null; now: number }) {
  const r = props.r
  const ck = r.lastCheckpoint
  const ckAge = ck ? props.now - ck.completedAt : null
  return (
    <div class="grid-row jobs-grid" data-testid="fleet-row" data-job-id={r.jobId} data-cluster={r.cluster} data-state={r.state}>
      <span>
        <Badge value={r.state} testid="job-state" />
      </span>
      <span class="cell-name">
        <Link href={jobHref(r.cluster, r.jobId)} testid="job-link" title={r.jobId}>
          {r.name}
        </Link>
      </span>
      <span class="muted-text">{r.cluster}</span>
      <span class="num">{duration(uptime(r, props.now))}</span>
      <span class={`num ${(r.restartsLastHour ?? 0) > 0 ? 'warn-text' : ''}`}>{r.restartsLastHour ?? r.restarts}</span>
      <span class={`num ${ckAge !== null && ckAge > 600_000 ? 'warn-text' : ''}`}>{ck ? `${duration(ckAge)} · ${ms(ck.durationMs)}` : '—'}</span>
      <span class={`num ${(r.failedCheckpoints ?? 0) > 0 ? 'warn-text' : ''}`}>{r.failedCheckpoints ?? '—'}</span>
      <span class="num">
        {count(r.lag)} <Trend v={r.lagTrend} />
      </span>
      <span class={`num ${ratioTone(r.busy)}`}>{pct(r.busy)}</span>
      <span class={`num ${ratioTone(r.backpressure)}`}>{pct(r.backpressure)}</span>
      <span>{props.firing > 0 ? <span class="badge bad" data-testid="firing-count">{props.firing} firing</span> : null}</span>
      <span>{props.recommendation ? <span class="badge info" data-testid="recommendation-badge">{props.recommendation}</span> : null}</span>
    </div>
  )
}

export function Fleet() {
  const { params } = useRoute()
  const filter = {
    q: params.get('q') ?? '',
    state: params.get('state') ?? '',
    cluster: params.get('cluster') ?? '',
    sort: (params.get('sort') as SortColumn | null) ?? 'state',
    dir: (params.get('dir') === 'desc' ? 'desc' : 'asc') as 'asc' | 'desc',
  }
  const [clusters, setClusters] = useState<Cluster[]>([])
  const [error, setError] = useState<unknown>(null)
  const [loaded, setLoaded] = useState(false)
  const alerts = useRef(new Map<string, Alert>())
  const recs = useRef(new Map<string, Recommendation>())
  const [alertsVersion, setAlertsVersion] = useState(0)
  const [search, setSearch] = useState(filter.q)
  const now = useNow(1000)

  const list = useFleetJobs(params, setError)
  const loadJobs = list.load
  const loadAlerts = async () => {
    const r = await api<{ alerts: Alert[] }>('/alerts?state=firing&limit=1000')
    alerts.current = new Map(r.alerts.map((a) => [a.id, a]))
    setAlertsVersion((v) => v + 1)
  }
  const loadRecs = async () => {
    const r = await api<{ recommendations: Recommendation[] }>('/recommendations').catch(() => ({ recommendations: [] }))
    recs.current = new Map(r.recommendations.map((x) => [jobKey(x.cluster, x.jobName), x]))
    setAlertsVersion((v) => v + 1)
  }
  const loadClusters = async () => setClusters((await api<{ clusters: Cluster[] }>('/clusters')).clusters)

  useEffect(() => {
    // Jobs first: the alert and recommendation joins are small decorations and would only compete with the
    // job list for the server while the first screen waits on it.
    Promise.all([loadJobs(true).then(() => Promise.all([loadAlerts(), loadRecs()])), loadClusters()])
      .then(() => setError(null))
      .catch(setError)
      .finally(() => setLoaded(true))
    // The stream carries changes; these slow refreshes repair anything a reconnect lost.
    const slow = setInterval(() => void Promise.all([loadJobs(), loadClusters(), loadAlerts()]).then(() => setError(null), setError), 30_000)
    const slower = setInterval(() => void loadRecs(), 120_000)
    return () => {
      clearInterval(slow)
      clearInterval(slower)
    }
  }, [])

  const refetchSoon = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const onMessage = (m: StreamMessage) => {
    if (m.topic === 'jobs' && m.type === 'updates') {
      list.push((m.data as { jobs: JobSummary[] }).jobs)
    } else if (m.topic === 'jobs' && m.type === 'transition') {
      const t = m.data as { cluster: string; jobId: string; jobName: string; to: string; restarts: number; at: number }
      const prev = list.store().get(t.cluster, t.jobId)
      if (prev) list.push([{ ...prev, state: t.to, restarts: t.restarts }])
      else if (!list.loading()) {
        // A job we have not seen (and no load under way that may bring it; the poll's `updates` carry it too):
        // fetch the list once things settle.
        clearTimeout(refetchSoon.current)
        refetchSoon.current = setTimeout(() => void loadJobs().catch(setError), 1000)
      }
    } else if (m.topic === 'jobs' && m.type === 'cluster') {
      const c = m.data as Cluster
      setClusters((cs) => (cs.some((x) => x.id === c.id) ? cs.map((x) => (x.id === c.id ? c : x)) : [...cs, c]))
    } else if (m.topic === 'alerts') {
      const a = m.data as Alert
      if (a.state === 'firing') alerts.current.set(a.id, a)
      else alerts.current.delete(a.id)
      setAlertsVersion((v) => v + 1)
    }
  }
  const live = useStream({ topics: 'jobs,alerts' }, onMessage)

  // Firing alerts and recommendations change rarely; joined per visible row at render time.
  const joined = useMemo(() => {
    const { byId, byName } = firingIndex([...alerts.current.values()])
    const firing = (j: JobSummary) => byId.get(jobKey(j.cluster, j.jobId)) ?? byName.get(jobKey(j.cluster, j.name)) ?? 0
    const badge = (j: JobSummary) => recommendationBadge(recs.current.get(jobKey(j.cluster, j.name)))
    return { firing, badge }
  }, [alertsVersion])
  // The order is recomputed when the filter changes and when the list says so (a load ended, at most once a
  // second while changes stream in); the cells show the newest data every frame (rows are looked up when drawn).
  const visible = useMemo(
    () => visibleRows(list.store().values(), filter, Date.now(), joined.firing),
    [list.orderVersion, joined, filter.q, filter.state, filter.cluster, filter.sort, filter.dir],
  )
  const latest = (j: JobSummary) => list.store().get(j.cluster, j.jobId) ?? j

  useEffect(() => {
    const t = setTimeout(() => {
      if (search !== filter.q) setParams({ q: search })
    }, 150)
    return () => clearTimeout(t)
  }, [search])
  useEffect(() => setSearch(filter.q), [filter.q])

  const sortBy = (col: SortColumn) => setParams({ sort: col, dir: filter.sort === col && filter.dir === 'asc' ? 'desc' : 'asc' })
  const totals = useMemo(() => {
    let running = 0
    let failing = 0
    const store = list.store()
    for (const r of store.values()) {
      if (r.state === 'RUNNING') running++
      else if (r.state === 'FAILED' || r.state === 'FAILING' || r.state === 'RESTARTING') failing++
    }
    return { all: list.partialTotal ?? store.size, running, failing, firing: alerts.current.size, partial: list.partialTotal !== null }
  }, [list.version, alertsVersion, list.partialTotal])

  return (
    <div class="page fleet">
      <div class="page-head">
        <h1>Fleet</h1>
        <div class="head-figures">
          <span>
            <b data-testid="jobs-total">{totals.all}</b> jobs
          </span>
          <span class="ok-text">
            <b>{totals.partial ? '…' : totals.running}</b> running
          </span>
          <span class={totals.failing ? 'bad-text' : ''}>
            <b>{totals.partial ? '…' : totals.failing}</b> failing or restarting
          </span>
          <span class={totals.firing ? 'bad-text' : ''}>
            <b>{totals.firing}</b> alerts firing
          </span>
          <span class={`live ${live}`} data-testid="live-status" title="WebSocket updates">
            {live === 'live' ? '● live' : live === 'connecting' ? '○ connecting' : '○ offline'}
          </span>
        </div>
      </div>
      <ErrorNote error={error} />
      <ClusterCards clusters={clusters} />
      <div class="toolbar">
        <input class="search" type="search" placeholder="Filter jobs by name or id…" value={search} data-testid="fleet-search" onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        <select value={filter.state} data-testid="fleet-state" onChange={(e) => setParams({ state: (e.target as HTMLSelectElement).value })}>
          <option value="">any state</option>
          {STATES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select value={filter.cluster} data-testid="fleet-cluster" onChange={(e) => setParams({ cluster: (e.target as HTMLSelectElement).value })}>
          <option value="">all clusters</option>
          {clusters.map((c) => (
            <option key={c.id} value={c.id}>
              {c.id}
            </option>
          ))}
        </select>
        <span class="muted-text" data-testid="fleet-shown">
          {totals.partial ? `first ${visible.length} of ${totals.all} jobs, loading the rest…` : visible.length === totals.all ? `${totals.all} ${totals.all === 1 ? 'job' : 'jobs'}` : `${visible.length} of ${totals.all} jobs`}
        </span>
      </div>
      <div class="table jobs-table" data-testid="fleet-table">
        <div class="grid-row jobs-grid table-head">
          {COLUMNS.map((c) =>
            c.id ? (
              <button type="button" key={c.label} class={`th sortable ${c.num ? 'num' : ''} ${filter.sort === c.id ? 'sorted' : ''}`} title={c.title} data-testid={`sort-${c.id}`} onClick={() => sortBy(c.id!)}>
                {c.label}
                {filter.sort === c.id ? (filter.dir === 'asc' ? ' ▲' : ' ▼') : ''}
              </button>
            ) : (
              <span key={c.label} class={`th ${c.num ? 'num' : ''}`}>
                {c.label}
              </span>
            ),
          )}
        </div>
        {loaded && visible.length === 0 ? <Empty>{totals.all === 0 ? 'No jobs seen yet.' : 'No job matches the filter.'}</Empty> : null}
        <VirtualRows items={visible} rowHeight={ROW_HEIGHT} testid="fleet-rows" render={(item) => {
          const r = latest(item)
          return <Row r={r} firing={joined.firing(r)} recommendation={joined.badge(r)} now={now} />
        }} />
      </div>
    </div>
  )
}
