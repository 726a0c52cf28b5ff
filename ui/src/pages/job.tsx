/** Job page: state and figures, root exception, timeline, charts from history, incidents, restore points, actions. */
import { useEffect, useMemo, useState } from 'preact/hooks'
import { ApiError, api, qs } from '../api.js'
import { CauseView } from '../components/cause.js'
import { currentCause } from '../incidents.js'
import { Chart, type Series } from '../components/chart.js'
import { Badge, Empty, ErrorNote, Panel, StackTrace, Stat, Tabs } from '../components/ui.js'
import { ago, bytes, count, duration, ms, pct, time } from '../format.js'
import { Link, setParams, useRoute } from '../router.js'
import { hasRole, session } from '../session.js'
import { useStore } from '../store.js'
import type { Alert, HistorySample, JobDetail, Recommendation, RestorePoint, TimelineEvent } from '../types.js'
import { JobActions } from './job-actions.js'

const TABS = [
  ['overview', 'Overview'],
  ['timeline', 'Timeline'],
  ['charts', 'Charts'],
  ['incidents', 'Incidents'],
  ['actions', 'Actions'],
] as const
const RANGES: Record<string, number> = { '1h': 3_600_000, '6h': 21_600_000, '24h': 86_400_000, '7d': 604_800_000 }

/** Loads `path` (again every `everyMs` when given); 404 of a newer endpoint reads as "not available". */
function useApi<T>(path: string | null, everyMs = 0): { data: T | null; error: unknown; missing: boolean } {
  const [state, setState] = useState<{ data: T | null; error: unknown; missing: boolean }>({ data: null, error: null, missing: false })
  useEffect(() => {
    if (!path) return
    let stop = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const load = () => {
      api<T>(path)
        .then(
          (data) => !stop && setState({ data, error: null, missing: false }),
          (error: unknown) => !stop && setState((s) => ({ data: s.data, error, missing: error instanceof ApiError && error.status === 404 })),
        )
        .finally(() => {
          if (!stop && everyMs > 0) timer = setTimeout(load, everyMs)
        })
    }
    load()
    return () => {
      stop = true
      clearTimeout(timer)
    }
  }, [path, everyMs])
  return state
}

function Figures(props: { job: JobDetail }) {
  const j = props.job
  const ck = j.checkpoints
  const res = j.resources
  const now = Date.now()
  return (
    <div class="stats">
      <Stat label="Uptime" value={j.state === 'RUNNING' && j.startTime ? duration(now - j.startTime) : '—'} />
      <Stat label="Restarts" value={j.restarts} tone={j.restarts > 0 ? 'warn' : ''} testid="job-restarts" />
      <Stat label="Kafka lag" value={count(j.lag)} />
      <Stat label="Records in/s" value={count(j.recordsInPerSec)} />
      <Stat label="Records out/s" value={count(j.recordsOutPerSec)} />
      <Stat label="Busy" value={pct(j.busy)} tone={(j.busy ?? 0) > 0.8 ? 'bad' : ''} />
      <Stat label="Backpressure" value={pct(j.backpressure)} tone={(j.backpressure ?? 0) > 0.5 ? 'bad' : ''} />
      <Stat label="Last checkpoint" value={ck?.lastCompleted ? `${ago(ck.lastCompleted.completedAt, now)}` : '—'} />
      <Stat label="Checkpoint took" value={ck?.lastCompleted ? `${ms(ck.lastCompleted.durationMs)} · ${bytes(ck.lastCompleted.sizeBytes)}` : '—'} />
      <Stat label="Checkpoints ok / failed" value={ck ? `${ck.completed} / ${ck.failed}` : '—'} tone={(ck?.failed ?? 0) > 0 ? 'warn' : ''} />
      <Stat label="TaskManagers" value={res?.taskManagers ?? '—'} />
      <Stat label="Heap" value={res?.heapUsedBytes != null ? `${bytes(res.heapUsedBytes)} / ${bytes(res.heapMaxBytes)}` : '—'} />
      <Stat label="CPU" value={pct(res?.cpuLoad)} />
    </div>
  )
}

function RootException(props: { job: JobDetail }) {
  const e = props.job.exceptions[0]
  if (!e) return <Empty>No exception recorded.</Empty>
  return (
    <div class="exception" data-testid="root-exception">
      <div class="exception-head">
        <span class="mono">{time(e.timestamp)}</span>
        {e.taskName ? <span class="muted-text">{e.taskName}</span> : null}
        {e.location ? <span class="muted-text mono">{e.location}</span> : null}
      </div>
      <div class="exception-message" data-testid="exception-message">
        {e.message}
      </div>
      {e.stackTrace ? <StackTrace text={e.stackTrace} /> : null}
    </div>
  )
}

const KIND_TONE: Record<string, string> = { failure: 'bad', 'checkpoint-failed': 'warn', restart: 'warn', state: 'info', checkpoint: 'ok', action: 'info', incident: 'bad' }

/** A state event's message without the transition the badge already shows ("RUNNING → FAILED: cause" → "cause"). */
function timelineText(e: TimelineEvent): string {
  if (e.kind !== 'state') return e.message
  const prefix = `${e.from ?? 'first seen'} → ${e.to ?? ''}`
  return e.message.startsWith(prefix) ? e.message.slice(prefix.length).replace(/^:\s*/, '') : e.message
}

function Timeline(props: { events: TimelineEvent[] | null; missing: boolean; limit?: number }) {
  if (props.missing) return <Empty>This flinkwatch has no timeline endpoint.</Empty>
  if (!props.events) return <Empty>loading…</Empty>
  const events = props.limit ? props.events.slice(0, props.limit) : props.events
  if (events.length === 0) return <Empty>Nothing happened in this range.</Empty>
  return (
    <ol class="timeline" data-testid="timeline">
      {events.map((e, i) => (
        <li key={i} class={`tl-item ${KIND_TONE[e.kind] ?? ''}`} data-testid="timeline-event" data-kind={e.kind}>
          <span class="tl-time mono">{time(e.at)}</span>
          <span class={`badge ${KIND_TONE[e.kind] ?? 'muted'}`}>{e.kind}</span>
          {e.from || e.to ? (
            <span class="tl-transition mono">
              {e.from ?? '∅'} → {e.to ?? '∅'}
            </span>
          ) : null}
          <span class="tl-message">{timelineText(e)}</span>
        </li>
      ))}
    </ol>
  )
}

function series(samples: HistorySample[], pick: (s: HistorySample) => number | null): (number | null)[] {
  return samples.map(pick)
}

function Charts(props: { samples: HistorySample[] | null; missing: boolean; from: number; to: number }) {
  const s = props.samples
  const charts = useMemo(() => {
    if (!s) return null
    const at = s.map((x) => x.at)
    const c = (title: string, list: Series[], format?: (v: number) => string) => ({ title, list, format })
    return {
      at,
      list: [
        c('Kafka lag (records)', [{ label: 'lag', values: series(s, (x) => x.lag), color: '#f5a524' }], count),
        c('Records per second', [
          { label: 'in', values: series(s, (x) => x.recordsInPerSec), color: '#4f9cf9' },
          { label: 'out', values: series(s, (x) => x.recordsOutPerSec), color: '#2fbf71' },
        ], count),
        c('Busy and backpressure', [
          { label: 'busy', values: series(s, (x) => x.busy), color: '#c678dd' },
          { label: 'backpressure', values: series(s, (x) => x.backpressure), color: '#f25f5c' },
        ], pct),
        c('Checkpoint duration', [{ label: 'duration', values: series(s, (x) => x.checkpointDurationMs), color: '#56b6c2' }], ms),
        c('Checkpoint size', [{ label: 'size', values: series(s, (x) => x.checkpointSizeBytes), color: '#98c379' }], bytes),
        c('Heap', [
          { label: 'used', values: series(s, (x) => x.heapUsedBytes), color: '#4f9cf9' },
          { label: 'max', values: series(s, (x) => x.heapMaxBytes), color: '#5c6370' },
        ], bytes),
        c('CPU load', [{ label: 'cpu', values: series(s, (x) => x.cpuLoad), color: '#e5c07b' }], pct),
      ],
    }
  }, [s])
  if (props.missing) return <Empty>This flinkwatch has no history endpoint.</Empty>
  if (!charts) return <Empty>loading…</Empty>
  if (charts.at.length === 0) return <Empty>No history samples in this range yet.</Empty>
  return (
    <div class="charts" data-testid="charts">
      {charts.list.map((c) => (
        <Chart key={c.title} title={c.title} at={charts.at} series={c.list} format={c.format} from={props.from} to={props.to} />
      ))}
    </div>
  )
}

function RecommendationView(props: { rec: Recommendation | undefined }) {
  const r = props.rec
  if (!r) return <Empty>No recommendation yet (it needs some history of a running job).</Empty>
  return (
    <div class="recommendation" data-testid="recommendation">
      {r.vertices.map((v) => (
        <div class="rec-item" key={v.vertexId}>
          <div class="rec-head">
            <span class="mono">{v.vertexName}</span>
            <span>
              parallelism {v.parallelism.current}
              {v.parallelism.recommended !== null && v.parallelism.recommended !== v.parallelism.current ? <b class="info-text"> → {v.parallelism.recommended}</b> : ' (keep)'}
            </span>
            <Badge value={v.parallelism.confidence} />
          </div>
          <div class="rec-reason">{v.parallelism.reason}</div>
        </div>
      ))}
      {(['heapBytes', 'managedMemoryBytes'] as const).map((k) => {
        const m = r.taskManager[k]
        return (
          <div class="rec-item" key={k}>
            <div class="rec-head">
              <span>{k === 'heapBytes' ? 'TaskManager heap' : 'Managed memory'}</span>
              <span>
                {bytes(m.current)}
                {m.recommended !== null && m.recommended !== m.current ? <b class="info-text"> → {bytes(m.recommended)}</b> : ''}
              </span>
              <Badge value={m.confidence} />
            </div>
            <div class="rec-reason">{m.reason}</div>
          </div>
        )
      })}
    </div>
  )
}

function RestorePoints(props: { points: RestorePoint[] | null; missing: boolean }) {
  if (props.missing) return <Empty>This flinkwatch has no restore-points endpoint.</Empty>
  if (!props.points) return <Empty>loading…</Empty>
  if (props.points.length === 0) return <Empty>No retained checkpoint or savepoint: a restart would start from scratch.</Empty>
  return (
    <table class="simple" data-testid="restore-points">
      <thead>
        <tr>
          <th>Kind</th>
          <th>Taken</th>
          <th>Path</th>
          <th>Source</th>
        </tr>
      </thead>
      <tbody>
        {props.points.map((p, i) => (
          <tr key={p.path}>
            <td>
              <Badge value={p.kind} />
              {i === 0 ? <div class="muted-text small-text">used by the next restart</div> : null}
            </td>
            <td class="mono">{time(p.at)}</td>
            <td class="mono wrap">{p.path}</td>
            <td class="muted-text">{p.source}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function Incidents(props: { alerts: Alert[] | null }) {
  if (!props.alerts) return <Empty>loading…</Empty>
  if (props.alerts.length === 0) return <Empty>No incidents for this job.</Empty>
  return (
    <table class="simple" data-testid="job-incidents">
      <thead>
        <tr>
          <th>State</th>
          <th>Rule</th>
          <th>Summary</th>
          <th>Since</th>
          <th>Ended</th>
        </tr>
      </thead>
      <tbody>
        {props.alerts.map((a) => (
          <tr key={a.id}>
            <td>
              <Badge value={a.state} />
            </td>
            <td>
              <Link href={`/alerts?state=all&alert=${encodeURIComponent(a.id)}`}>{a.rule}</Link>
            </td>
            <td>{a.summary}</td>
            <td class="mono">{time(a.startsAt)}</td>
            <td class="mono">{time(a.endsAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export function JobPage(props: { cluster: string; jobId: string }) {
  const { params } = useRoute()
  const me = useStore(session)
  const tab = params.get('tab') ?? 'overview'
  const range = params.get('range') ?? '1h'
  const base = `/jobs/${encodeURIComponent(props.cluster)}/${encodeURIComponent(props.jobId)}`
  const job = useApi<JobDetail>(base, 3000)
  const name = job.data?.name ?? null
  const [windowEnd, setWindowEnd] = useState(Date.now())
  useEffect(() => {
    const t = setInterval(() => setWindowEnd(Date.now()), 15_000)
    return () => clearInterval(t)
  }, [])
  const from = windowEnd - (RANGES[range] ?? RANGES['1h']!)
  const timeline = useApi<{ events: TimelineEvent[] }>(tab === 'overview' || tab === 'timeline' ? `${base}/timeline${qs({ from, limit: 500 })}` : null, 5000)
  const history = useApi<{ samples: HistorySample[] }>(tab === 'charts' ? `${base}/history${qs({ from, to: windowEnd })}` : null)
  const restore = useApi<{ restorePoints: RestorePoint[] }>(tab === 'overview' || tab === 'actions' ? `${base}/restore-points` : null, 10_000)
  const recs = useApi<{ recommendations: Recommendation[] }>(name ? `/recommendations${qs({ cluster: props.cluster, job: name })}` : null, 60_000)
  const incidents = useApi<{ alerts: Alert[] }>(name && (tab === 'incidents' || tab === 'overview') ? `/alerts${qs({ state: 'all', cluster: props.cluster, job: name })}` : null, 10_000)
  const canOperate = hasRole(me, 'operator')

  if (!job.data) {
    return (
      <div class="page">
        <div class="crumbs">
          <Link href="/">Fleet</Link> / {props.cluster} / <span class="mono">{props.jobId}</span>
        </div>
        {job.error ? <ErrorNote error={job.error} /> : <Empty>loading…</Empty>}
      </div>
    )
  }
  const j = job.data
  const rec = recs.data?.recommendations.find((r) => r.jobName === j.name)
  const from10 = (j.exceptions[0]?.timestamp ?? Date.now()) - 600_000
  const logsHref = `/logs${qs({ cluster: j.cluster, job: j.jobId, from: new Date(from10).toISOString() })}`
  // The why first: the classified cause of this run's failure, above the raw exception.
  const explained = currentCause(incidents.data?.alerts ?? [], j.startTime)
  return (
    <div class="page job">
      <div class="crumbs">
        <Link href="/">Fleet</Link> / <span>{j.cluster}</span> / <span class="mono">{j.jobId}</span>
      </div>
      <div class="page-head">
        <h1 class="job-title" data-testid="job-name">
          {j.name}
        </h1>
        <Badge value={j.state} testid="job-state" />
        <div class="head-links">
          <Link href={logsHref} testid="job-logs-link">
            Logs of this job
          </Link>
          <Link href={`/alerts${qs({ state: 'all', cluster: j.cluster })}`}>Alerts</Link>
        </div>
      </div>
      <ErrorNote error={job.error} />
      <Tabs tabs={TABS} current={tab} onSelect={(t) => setParams({ tab: t === 'overview' ? null : t })} />
      {tab === 'charts' || tab === 'timeline' ? (
        <div class="toolbar">
          {Object.keys(RANGES).map((r) => (
            <button type="button" key={r} class={r === range ? 'chip active' : 'chip'} onClick={() => setParams({ range: r === '1h' ? null : r })}>
              {r}
            </button>
          ))}
        </div>
      ) : null}
      {tab === 'overview' ? (
        <div class="overview">
          <Figures job={j} />
          {explained?.cause ? (
            <Panel title="Why it failed" testid="panel-cause" actions={<Link href={`/alerts?state=all&alert=${encodeURIComponent(explained.id)}`}>{explained.rule} incident, {time(explained.startsAt)}</Link>}>
              <CauseView cause={explained.cause} title={false} />
            </Panel>
          ) : null}
          <div class="two-col">
            <Panel title="Root exception" testid="panel-exception">
              <RootException job={j} />
            </Panel>
            <Panel title="Recent events" actions={<Link href={`${base}?tab=timeline`}>full timeline</Link>}>
              <Timeline events={timeline.data?.events ?? null} missing={timeline.missing} limit={12} />
            </Panel>
          </div>
          <div class="two-col">
            <Panel title="Recommendation">
              <RecommendationView rec={rec} />
            </Panel>
            <Panel title="Restore points">
              <RestorePoints points={restore.data?.restorePoints ?? null} missing={restore.missing} />
            </Panel>
          </div>
          <Panel title="Operators">
            {j.vertices.length === 0 ? <Empty>No operator figures reported.</Empty> : null}
            <table class={j.vertices.length === 0 ? 'simple hidden' : 'simple'}>
              <thead>
                <tr>
                  <th>Vertex</th>
                  <th class="num">Parallelism</th>
                  <th class="num">Busy</th>
                  <th class="num">Backpressure</th>
                  <th class="num">In/s</th>
                  <th class="num">Out/s</th>
                  <th class="num">Lag</th>
                </tr>
              </thead>
              <tbody>
                {j.vertices.map((v) => (
                  <tr key={v.id}>
                    <td>{v.name}</td>
                    <td class="num">{v.parallelism}</td>
                    <td class="num">{pct(v.busy)}</td>
                    <td class="num">{pct(v.backpressure)}</td>
                    <td class="num">{count(v.recordsInPerSec)}</td>
                    <td class="num">{count(v.recordsOutPerSec)}</td>
                    <td class="num">{v.isSource ? count(v.lag) : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Panel>
        </div>
      ) : null}
      {tab === 'timeline' ? (
        <Panel title="Timeline: state transitions, restarts, failures, checkpoints">
          <Timeline events={timeline.data?.events ?? null} missing={timeline.missing} />
        </Panel>
      ) : null}
      {tab === 'charts' ? <Charts samples={history.data?.samples ?? null} missing={history.missing} from={from} to={windowEnd} /> : null}
      {tab === 'incidents' ? (
        <Panel title="Incidents of this job">
          <Incidents alerts={incidents.data?.alerts ?? null} />
        </Panel>
      ) : null}
      {tab === 'actions' ? (
        <div class="two-col">
          <Panel title="Lifecycle actions">
            {canOperate ? <JobActions cluster={j.cluster} jobId={j.jobId} jobName={j.name} /> : <div class="muted-text" data-testid="actions-hidden">Lifecycle actions need the operator role; you are signed in as {me?.role}.</div>}
          </Panel>
          <Panel title="Restore points">
            <RestorePoints points={restore.data?.restorePoints ?? null} missing={restore.missing} />
          </Panel>
        </div>
      ) : null}
    </div>
  )
}
