/**
 * Logs: one query box (the README's syntax), filters, hits with highlights, folded stack traces, context
 * around a hit, "load older" by cursor, and a live tail over the WebSocket with pause and a visible count
 * of the lines that were missed. Rate-limit markers are drawn as gaps.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { api, qs } from '../api.js'
import { Empty, ErrorNote, Highlighted, StackTrace, highlightTerms } from '../components/ui.js'
import { time } from '../format.js'
import { queryWords } from '../text.js'
import { Link, jobHref, setParams, useRoute } from '../router.js'
import { useStream, type StreamMessage } from '../stream.js'
import type { LogHit } from '../types.js'

const LEVELS = ['ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE']
const RANGES: [string, number][] = [
  ['15m', 900_000],
  ['1h', 3_600_000],
  ['6h', 21_600_000],
  ['24h', 86_400_000],
  ['7d', 604_800_000],
]
const MAX_TAIL_LINES = 2000

interface Context {
  before: LogHit[]
  after: LogHit[]
}

function Line(props: { hit: LogHit; terms: string[]; focus?: boolean; testid?: string; onContext?: () => void; context?: Context | null | 'loading'; live?: boolean }) {
  const h = props.hit
  if (h.marker) {
    return (
      <div class="log-gap" data-testid="log-gap" title="Lines dropped by the rate limit">
        <span class="mono">{time(h.timestamp)}</span>
        <span>{h.message}</span>
      </div>
    )
  }
  const terms = [...props.terms, ...highlightTerms(h.highlight)]
  return (
    <div class={`log-line ${props.focus ? 'focus' : ''} ${props.live ? 'live-line' : ''}`} data-testid={props.testid ?? 'log-hit'} data-id={h.id}>
      <span class="mono log-time">{time(h.timestamp)}</span>
      <span class={`level level-${(h.level ?? 'none').toLowerCase()}`}>{h.level ?? '—'}</span>
      <div class="log-body">
        <div class="log-message" data-testid="log-message">
          <Highlighted text={h.message} terms={terms} />
          {h.truncated ? <span class="muted-text"> [truncated]</span> : null}
        </div>
        {h.stackTrace ? <StackTrace text={h.stackTrace} terms={terms} /> : null}
      </div>
      <div class="log-source">
        {h.jobId ? (
          <Link href={jobHref(h.cluster ?? '', h.jobId)} class="log-job" title={`${h.jobName ?? ''} ${h.jobId}`}>
            {h.jobName ?? h.jobId.slice(0, 8)}
          </Link>
        ) : null}
        <span class="log-tm mono" title={`TaskManager ${h.taskManager ?? ''} · ${h.logger ?? ''}`}>
          {h.taskManager ?? ''}
          {h.logger ? ` · ${h.logger.split('.').pop()}` : ''}
        </span>
      </div>
      <div class="log-actions">
        {props.onContext ? (
          <button type="button" class="link-button" data-testid="show-context" onClick={props.onContext}>
            {props.context ? 'close' : 'context'}
          </button>
        ) : null}
      </div>
      {props.context === 'loading' ? <div class="context muted-text">loading context…</div> : null}
      {props.context && props.context !== 'loading' ? (
        <div class="context" data-testid="log-context">
          {props.context.before.map((c) => (
            <Line key={c.id} hit={c} terms={[]} testid="context-line" />
          ))}
          <Line hit={h} terms={terms} focus testid="context-focus" />
          {props.context.after.map((c) => (
            <Line key={c.id} hit={c} terms={[]} testid="context-line" />
          ))}
        </div>
      ) : null}
    </div>
  )
}

export function Logs() {
  const { params } = useRoute()
  const q = params.get('q') ?? ''
  const cluster = params.get('cluster') ?? ''
  const job = params.get('job') ?? ''
  const taskManager = params.get('taskManager') ?? ''
  const level = params.get('level') ?? ''
  const from = params.get('from') ?? ''
  const to = params.get('to') ?? ''
  const tail = params.get('tail') === '1'
  const levels = level ? level.split(',') : []

  const [text, setText] = useState(q)
  const [hits, setHits] = useState<LogHit[]>([])
  const [total, setTotal] = useState<number | null>(null)
  const [cursor, setCursor] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [loading, setLoading] = useState(false)
  const [contexts, setContexts] = useState<Record<string, Context | 'loading'>>({})
  const [liveLines, setLiveLines] = useState<LogHit[]>([])
  const [paused, setPaused] = useState(false)
  const [missed, setMissed] = useState(0)
  const pausedRef = useRef(false)
  pausedRef.current = paused
  const searchSeq = useRef(0)
  // Search (or Enter) runs the query again even when the URL stays the same: new lines may have arrived.
  const [again, setAgain] = useState(0)

  const filters = { q, cluster, job, taskManager, level }
  useEffect(() => setText(q), [q])

  // One search per distinct request. Enter starts it from the keypress handler, before the URL change
  // re-renders the page (a render of 100 hits and a deferred effect later, ~20 ms); the effect then finds
  // it started and only the URL-driven cases (links, back/forward, filters) start one there.
  const started = useRef<{ path: string; again: number } | null>(null)
  const search = (path: string, round: number) => {
    if (started.current?.path === path && started.current.again === round) return
    started.current = { path, again: round }
    const seq = ++searchSeq.current
    setLoading(true)
    setError(null)
    api<{ hits: LogHit[]; total: number; nextCursor: string | null }>(path)
      .then((r) => {
        if (seq !== searchSeq.current) return
        setHits(r.hits)
        setTotal(r.total)
        setCursor(r.nextCursor)
        setContexts({})
      })
      .catch((e: unknown) => seq === searchSeq.current && setError(e))
      .finally(() => seq === searchSeq.current && setLoading(false))
  }
  const searchPath = (query: string) => `/logs/search${qs({ ...filters, q: query, from, to, limit: 100 })}`
  useEffect(() => search(searchPath(q), again), [q, cluster, job, taskManager, level, from, to, again])

  const loadOlder = async () => {
    if (!cursor) return
    setLoading(true)
    try {
      const r = await api<{ hits: LogHit[]; nextCursor: string | null }>(`/logs/search${qs({ ...filters, from, to, limit: 100, cursor })}`)
      setHits((h) => [...h, ...r.hits])
      setCursor(r.nextCursor)
    } catch (e) {
      setError(e)
    } finally {
      setLoading(false)
    }
  }

  const toggleContext = async (id: string) => {
    if (contexts[id]) {
      setContexts(({ [id]: _, ...rest }) => rest)
      return
    }
    setContexts((c) => ({ ...c, [id]: 'loading' }))
    try {
      const r = await api<{ before: LogHit[]; after: LogHit[] }>(`/logs/${encodeURIComponent(id)}/context?before=10&after=10`)
      setContexts((c) => ({ ...c, [id]: { before: r.before, after: r.after } }))
    } catch (e) {
      setError(e)
      setContexts(({ [id]: _, ...rest }) => rest)
    }
  }

  // Live tail: lines arrive newest last; batched per animation frame so a burst is one render.
  const incoming = useRef<LogHit[]>([])
  const frame = useRef(0)
  const onMessage = (m: StreamMessage) => {
    if (m.topic !== 'logs') return
    if (m.type === 'missed') {
      setMissed((n) => n + ((m.data as { count?: number }).count ?? 0))
      return
    }
    if (m.type !== 'line') return
    if (pausedRef.current) {
      setMissed((n) => n + 1)
      return
    }
    incoming.current.push(m.data as LogHit)
    if (!frame.current)
      frame.current = requestAnimationFrame(() => {
        frame.current = 0
        const batch = incoming.current
        incoming.current = []
        setLiveLines((l) => [...batch.reverse(), ...l].slice(0, MAX_TAIL_LINES))
      })
  }
  useEffect(() => () => cancelAnimationFrame(frame.current), [])
  useEffect(() => {
    setLiveLines([])
    setMissed(0)
    setPaused(false)
  }, [tail, q, cluster, job, taskManager, level])
  const streamParams = tail ? Object.fromEntries(Object.entries({ topics: 'logs', ...filters }).filter(([, v]) => v !== '')) : null
  const live = useStream(streamParams, onMessage)

  const submit = (e: Event) => {
    e.preventDefault()
    const next = text.trim()
    const round = next === q ? again + 1 : again
    search(searchPath(next), round)
    if (next === q) setAgain(round)
    else setParams({ q: next }, false)
  }
  const toggleLevel = (l: string) => {
    const next = levels.includes(l) ? levels.filter((x) => x !== l) : [...levels, l]
    setParams({ level: next.join(',') })
  }
  const setRange = (msBack: number) => setParams({ from: new Date(Date.now() - msBack).toISOString(), to: null })
  const terms = queryWords(q)

  return (
    <div class="page logs">
      <div class="page-head">
        <h1>Logs</h1>
        <div class="head-figures">
          {total !== null ? (
            <span data-testid="log-total">
              <b>{total}</b> matching {total === 1 ? 'line' : 'lines'}
            </span>
          ) : null}
          {loading ? <span class="spinner" /> : null}
        </div>
      </div>
      <form class="query-bar" onSubmit={submit}>
        <input
          class="search query"
          type="search"
          spellcheck={false}
          placeholder={'checkpoint declined   "exact phrase"   level:error   job:orders   taskManager:tm-1   -timeout'}
          value={text}
          data-testid="log-search"
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        <button type="submit" class="primary" data-testid="log-search-submit">
          Search
        </button>
      </form>
      <div class="toolbar filters">
        <label class="inline-field">
          cluster
          <input value={cluster} data-testid="filter-cluster" onChange={(e) => setParams({ cluster: (e.target as HTMLInputElement).value.trim() })} />
        </label>
        <label class="inline-field">
          job
          <input value={job} data-testid="filter-job" placeholder="id or name" onChange={(e) => setParams({ job: (e.target as HTMLInputElement).value.trim() })} />
        </label>
        <label class="inline-field">
          TaskManager
          <input value={taskManager} data-testid="filter-tm" onChange={(e) => setParams({ taskManager: (e.target as HTMLInputElement).value.trim() })} />
        </label>
        <span class="level-chips">
          {LEVELS.map((l) => (
            <button type="button" key={l} class={`chip level-${l.toLowerCase()} ${levels.includes(l) ? 'active' : ''}`} data-testid={`level-${l}`} onClick={() => toggleLevel(l)}>
              {l}
            </button>
          ))}
        </span>
        <span class="range-chips">
          {RANGES.map(([label, v]) => (
            <button type="button" key={label} class="chip" onClick={() => setRange(v)}>
              {label}
            </button>
          ))}
          {from || to ? (
            <span class="muted-text range-text">
              {from ? time(/^\d+$/.test(from) ? Number(from) : from) : '…'} → {to ? time(/^\d+$/.test(to) ? Number(to) : to) : 'now'}{' '}
              <button type="button" class="link-button" onClick={() => setParams({ from: null, to: null })}>
                clear
              </button>
            </span>
          ) : null}
        </span>
        <span class="tail-controls">
          <button type="button" class={`chip tail ${tail ? 'active' : ''}`} data-testid="tail-toggle" aria-pressed={tail} onClick={() => setParams({ tail: tail ? null : '1' })}>
            {tail ? `● live tail ${live === 'live' ? 'on' : live}` : '○ live tail'}
          </button>
          {tail ? (
            <button type="button" class="chip" data-testid="tail-pause" aria-pressed={paused} onClick={() => setPaused(!paused)}>
              {paused ? 'resume' : 'pause'}
            </button>
          ) : null}
        </span>
      </div>
      {tail && missed > 0 ? (
        <div class="missed-notice" data-testid="missed-notice">
          {missed} {missed === 1 ? 'line' : 'lines'} missed{paused ? ' while paused' : ' (the stream could not keep up)'}.{' '}
          <button type="button" class="link-button" onClick={() => (setMissed(0), setParams({ tail: null }))}>
            search instead
          </button>
        </div>
      ) : null}
      <ErrorNote error={error} />
      {tail ? (
        <div class="log-list live-list" data-testid="tail-lines">
          {liveLines.length === 0 ? <Empty>{paused ? 'Paused.' : 'Waiting for new lines…'}</Empty> : liveLines.map((h) => <Line key={h.id} hit={h} terms={terms} testid="tail-line" live />)}
        </div>
      ) : null}
      {tail ? <h3 class="section-title">Stored lines</h3> : null}
      <div class="log-list" data-testid="log-hits">
        {!loading && hits.length === 0 && !error ? <Empty>No line matches.</Empty> : null}
        {hits.map((h) => (
          <Line key={h.id} hit={h} terms={terms} onContext={() => void toggleContext(h.id)} context={contexts[h.id] ?? null} />
        ))}
      </div>
      {cursor ? (
        <div class="more">
          <button type="button" data-testid="load-older" disabled={loading} onClick={() => void loadOlder()}>
            Load older lines
          </button>
        </div>
      ) : null}
    </div>
  )
}
