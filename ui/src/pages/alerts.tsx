/** Alerts: firing and resolved incidents, per-channel delivery, silences created from an alert, silence list. */
import { Fragment } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { api, errorText, qs } from '../api.js'
import { CauseView } from '../components/cause.js'
import { Badge, Empty, ErrorNote, Panel, Tabs } from '../components/ui.js'
import { duration, time } from '../format.js'
import { Link, jobHref, setParams, useRoute } from '../router.js'
import { hasRole, session } from '../session.js'
import { useStore } from '../store.js'
import { useStream } from '../stream.js'
import type { Alert, ChannelHealth, Notification, Silence } from '../types.js'

const DURATIONS = ['30m', '1h', '2h', '4h', '12h', '24h', '7d']

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function deliveryState(n: Notification, health: ChannelHealth): { state: string; reason: string | null } {
  const h = health[n.channel]
  if (n.state === 'sent') return { state: 'delivered', reason: null }
  if (n.state === 'failed') return { state: 'failed', reason: n.reason ?? h?.detail ?? null }
  if (n.state === 'pending' && h && !h.healthy) return { state: 'retrying', reason: n.reason ?? h.detail }
  return { state: n.state, reason: n.reason ?? null }
}

function SilenceForm(props: { alert: Alert; onDone: () => void }) {
  const a = props.alert
  const [cluster, setCluster] = useState(escapeRegex(a.cluster))
  const [job, setJob] = useState(a.jobName ? escapeRegex(a.jobName) : '')
  const [rule, setRule] = useState(a.rule)
  const [durationText, setDuration] = useState('2h')
  const [comment, setComment] = useState(`silenced from incident ${a.id}`)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const matchers: Record<string, string> = {}
      if (cluster) matchers['cluster'] = cluster
      if (job) matchers['job'] = job
      if (rule) matchers['rule'] = rule
      await api<Silence>('/silences', { method: 'POST', body: { matchers, duration: durationText, comment } })
      props.onDone()
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form class="silence-form" data-testid="silence-form" onSubmit={submit}>
      <div class="form-grid">
        <label class="field">
          <span>cluster (regex)</span>
          <input value={cluster} data-testid="silence-cluster" onInput={(e) => setCluster((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span>job name (regex)</span>
          <input value={job} data-testid="silence-job" onInput={(e) => setJob((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span>rule</span>
          <input value={rule} data-testid="silence-rule" onInput={(e) => setRule((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span>for</span>
          <select value={durationText} data-testid="silence-duration" onChange={(e) => setDuration((e.target as HTMLSelectElement).value)}>
            {DURATIONS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label class="field wide">
          <span>comment</span>
          <input value={comment} data-testid="silence-comment" onInput={(e) => setComment((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      {error ? (
        <div class="error-note" data-testid="silence-error">
          {error}
        </div>
      ) : null}
      <div class="confirm-buttons">
        <button type="submit" class="primary" disabled={busy} data-testid="silence-submit">
          Create silence
        </button>
        <button type="button" onClick={props.onDone}>
          Cancel
        </button>
      </div>
    </form>
  )
}

function AlertDetail(props: { id: string; health: ChannelHealth; canSilence: boolean; onSilenced: () => void }) {
  const [detail, setDetail] = useState<{ alert: Alert; notifications: Notification[] } | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [silencing, setSilencing] = useState(false)
  useEffect(() => {
    let stop = false
    const load = () => api<{ alert: Alert; notifications: Notification[] }>(`/alerts/${encodeURIComponent(props.id)}`).then((d) => !stop && setDetail(d), (e: unknown) => !stop && setError(e))
    void load()
    const t = setInterval(load, 5000)
    return () => {
      stop = true
      clearInterval(t)
    }
  }, [props.id])
  if (!detail) return error ? <ErrorNote error={error} /> : <Empty>loading…</Empty>
  const a = detail.alert
  return (
    <div class="alert-detail" data-testid="alert-detail">
      <div class="detail-head">
        <Badge value={a.state} />
        <Badge value={a.severity} />
        <b>{a.rule}</b>
        {a.jobId ? (
          <Link href={jobHref(a.cluster, a.jobId)} testid="alert-job-link">
            {a.jobName ?? a.jobId}
          </Link>
        ) : (
          <span>{a.jobName}</span>
        )}
        {a.silencedBy ? (
          <span class="badge muted" data-testid="silenced-by">
            silenced
          </span>
        ) : null}
      </div>
      <div class="alert-summary">{a.summary}</div>
      {a.cause ? <CauseView cause={a.cause} /> : null}
      <dl class="kv">
        {Object.entries(a.figures).map(([k, v]) => (
          <Fragment key={k}>
            <dt>{k}</dt>
            <dd>{v === null ? '—' : String(v)}</dd>
          </Fragment>
        ))}
      </dl>
      <h3 class="section-title">Delivery</h3>
      {detail.notifications.length === 0 ? (
        <Empty>{a.silencedBy ? 'No notification: silenced.' : a.inhibitedBy ? 'Held back by a cluster-down incident.' : 'No notification sent yet.'}</Empty>
      ) : (
        <table class="simple" data-testid="deliveries">
          <thead>
            <tr>
              <th>Channel</th>
              <th>Kind</th>
              <th>State</th>
              <th>Sent</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {detail.notifications.map((n, i) => {
              const d = deliveryState(n, props.health)
              return (
                <tr key={i} data-testid="delivery" data-channel={n.channel}>
                  <td class="mono">{n.channel}</td>
                  <td>{n.kind}</td>
                  <td>
                    <Badge value={d.state} testid="delivery-state" />
                  </td>
                  <td class="mono">{time(n.sentAt)}</td>
                  <td class="wrap">{d.reason ?? ''}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      {props.canSilence && a.state !== 'resolved' ? (
        silencing ? (
          <SilenceForm alert={a} onDone={() => (setSilencing(false), props.onSilenced())} />
        ) : (
          <button type="button" data-testid="silence-alert" onClick={() => setSilencing(true)}>
            Silence alerts like this…
          </button>
        )
      ) : null}
    </div>
  )
}

function Silences(props: { canEdit: boolean }) {
  const [silences, setSilences] = useState<Silence[] | null>(null)
  const [error, setError] = useState<unknown>(null)
  const load = () => api<{ silences: Silence[] }>('/silences?active=false').then((r) => (setSilences(r.silences), setError(null)), setError)
  useEffect(() => {
    void load()
  }, [])
  const expire = async (id: string) => {
    try {
      await api(`/silences/${encodeURIComponent(id)}`, { method: 'DELETE' })
      await load()
    } catch (e) {
      setError(e)
    }
  }
  if (!silences) return error ? <ErrorNote error={error} /> : <Empty>loading…</Empty>
  const now = Date.now()
  return (
    <>
      <ErrorNote error={error} />
      {silences.length === 0 ? (
        <Empty>No silences.</Empty>
      ) : (
        <table class="simple" data-testid="silences">
          <thead>
            <tr>
              <th>State</th>
              <th>Matchers</th>
              <th>Ends</th>
              <th>By</th>
              <th>Comment</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {silences.map((s) => (
              <tr key={s.id} data-testid="silence-row" data-active={s.active}>
                <td>
                  <Badge value={s.active ? 'active' : s.expiredAt ? 'expired' : s.startsAt > now ? 'scheduled' : 'ended'} />
                </td>
                <td class="mono">
                  {Object.entries(s.matchers)
                    .map(([k, v]) => `${k}=~${v}`)
                    .join('  ')}
                </td>
                <td class="mono">
                  {time(s.expiredAt ?? s.endsAt)}
                  {s.active ? <span class="muted-text"> (in {duration(s.endsAt - now)})</span> : null}
                </td>
                <td>{s.createdBy}</td>
                <td>{s.comment}</td>
                <td>
                  {props.canEdit && s.active ? (
                    <button type="button" class="small" data-testid="expire-silence" onClick={() => void expire(s.id)}>
                      Expire
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}

export function Alerts() {
  const { params } = useRoute()
  const me = useStore(session)
  const tab = params.get('tab') ?? 'incidents'
  const state = params.get('state') ?? 'firing'
  const cluster = params.get('cluster') ?? ''
  const selected = params.get('alert')
  const [alerts, setAlerts] = useState<Alert[] | null>(null)
  const [resolved, setResolved] = useState<Alert[]>([])
  const [health, setHealth] = useState<ChannelHealth>({})
  const [error, setError] = useState<unknown>(null)
  const [tick, setTick] = useState(0)
  const canSilence = hasRole(me, 'operator')

  useEffect(() => {
    let stop = false
    const load = async () => {
      try {
        const r = await api<{ alerts: Alert[]; channels: ChannelHealth }>(`/alerts${qs({ state, cluster, limit: 200 })}`)
        // "firing" also shows what resolved in the last hour, under it.
        const rr = state === 'firing' ? await api<{ alerts: Alert[] }>(`/alerts${qs({ state: 'resolved', cluster, limit: 50 })}`) : { alerts: [] }
        if (stop) return
        setAlerts(r.alerts)
        setHealth(r.channels)
        setResolved(rr.alerts.filter((a) => (a.endsAt ?? 0) > Date.now() - 3_600_000))
        setError(null)
      } catch (e) {
        if (!stop) setError(e)
      }
    }
    void load()
    const t = setInterval(() => void load(), 10_000)
    return () => {
      stop = true
      clearInterval(t)
    }
  }, [state, cluster, tick])
  useStream({ topics: 'alerts' }, (m) => m.topic === 'alerts' && setTick((n) => n + 1))

  const row = (a: Alert) => (
    <tr key={a.id} class={selected === a.id ? 'selected clickable' : 'clickable'} data-testid="alert-row" data-alert-id={a.id} data-state={a.state} onClick={() => setParams({ alert: selected === a.id ? null : a.id })}>
      <td>
        <Badge value={a.state} />
      </td>
      <td>
        <Badge value={a.severity} />
      </td>
      <td>{a.rule}</td>
      <td class="mono">{a.cluster}</td>
      <td>{a.jobName ?? '—'}</td>
      <td class="wrap">{a.summary}</td>
      <td class="mono">{time(a.startsAt)}</td>
      <td>{a.silencedBy ? <span class="badge muted">silenced</span> : a.notified ? <span class="badge ok">notified</span> : null}</td>
    </tr>
  )
  const table = (list: Alert[], testid: string) => (
    <table class="simple alerts-table" data-testid={testid}>
      <thead>
        <tr>
          <th>State</th>
          <th>Severity</th>
          <th>Rule</th>
          <th>Cluster</th>
          <th>Job</th>
          <th>Summary</th>
          <th>Since</th>
          <th />
        </tr>
      </thead>
      <tbody>{list.map(row)}</tbody>
    </table>
  )
  return (
    <div class="page alerts">
      <div class="page-head">
        <h1>Alerts</h1>
        <div class="head-figures channels" data-testid="channels">
          {Object.entries(health).map(([id, h]) => (
            <span key={id} class={h.healthy ? 'ok-text' : 'bad-text'} title={h.detail}>
              <span class={`dot ${h.healthy ? 'ok' : 'bad'}`} /> {id}
              {h.queued ? ` (${h.queued} queued)` : ''}
            </span>
          ))}
        </div>
      </div>
      <Tabs
        tabs={[
          ['incidents', 'Incidents'],
          ['silences', 'Silences'],
        ]}
        current={tab}
        onSelect={(t) => setParams({ tab: t === 'incidents' ? null : t })}
      />
      <ErrorNote error={error} />
      {tab === 'silences' ? (
        <Panel title="Silences">
          <Silences canEdit={canSilence} key={tick} />
        </Panel>
      ) : (
        <>
          <div class="toolbar">
            {(['firing', 'resolved', 'all'] as const).map((s) => (
              <button type="button" key={s} class={s === state ? 'chip active' : 'chip'} data-testid={`alerts-state-${s}`} onClick={() => setParams({ state: s === 'firing' ? null : s })}>
                {s}
              </button>
            ))}
          </div>
          <div class={selected ? 'split' : ''}>
            <div>
              <Panel title={state === 'firing' ? 'Firing' : state === 'resolved' ? 'Resolved' : 'All incidents'}>
                {alerts === null ? <Empty>loading…</Empty> : alerts.length === 0 ? <Empty>Nothing {state === 'all' ? 'recorded' : state}.</Empty> : table(alerts, 'alerts-list')}
              </Panel>
              {state === 'firing' && resolved.length > 0 ? <Panel title="Resolved in the last hour">{table(resolved, 'resolved-list')}</Panel> : null}
            </div>
            {selected ? (
              <Panel title="Incident" actions={<button type="button" class="link-button" onClick={() => setParams({ alert: null })}>close</button>}>
                <AlertDetail id={selected} health={health} canSilence={canSilence} onSilenced={() => setParams({ tab: 'silences' }, false)} />
              </Panel>
            ) : null}
          </div>
        </>
      )}
    </div>
  )
}
