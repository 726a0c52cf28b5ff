/** Small shared pieces: state badges, panels, errors, the folded stack trace and text highlighting. */
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { errorText } from '../api.js'
import { splitByTerms } from '../text.js'
export { highlightTerms } from '../text.js'

const STATE_CLASS: Record<string, string> = {
  RUNNING: 'ok',
  FINISHED: 'muted',
  CANCELED: 'muted',
  CANCELLING: 'warn',
  FAILED: 'bad',
  FAILING: 'bad',
  RESTARTING: 'warn',
  INITIALIZING: 'info',
  CREATED: 'info',
  RECONCILING: 'info',
  SUSPENDED: 'muted',
  UNKNOWN: 'muted',
  up: 'ok',
  down: 'bad',
  firing: 'bad',
  pending: 'warn',
  resolved: 'muted',
  succeeded: 'ok',
  failed: 'bad',
  running: 'info',
  sent: 'ok',
  grouped: 'info',
  retrying: 'warn',
  critical: 'bad',
  warning: 'warn',
  info: 'info',
  delivered: 'ok',
  active: 'ok',
  expired: 'muted',
  ended: 'muted',
  scheduled: 'info',
  savepoint: 'info',
  checkpoint: 'ok',
  high: 'ok',
  medium: 'info',
  low: 'warn',
  none: 'muted',
}

export function Badge(props: { value: string; testid?: string; title?: string }) {
  return (
    <span class={`badge ${STATE_CLASS[props.value] ?? 'muted'}`} data-testid={props.testid} title={props.title}>
      {props.value}
    </span>
  )
}

export function Panel(props: { title: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; class?: string; testid?: string }) {
  return (
    <section class={`panel ${props.class ?? ''}`} data-testid={props.testid}>
      <header class="panel-head">
        <h2>{props.title}</h2>
        {props.actions ? <div class="panel-actions">{props.actions}</div> : null}
      </header>
      <div class="panel-body">{props.children}</div>
    </section>
  )
}

export function ErrorNote(props: { error: unknown }) {
  if (!props.error) return null
  return (
    <div class="error-note" role="alert" data-testid="error">
      {errorText(props.error)}
    </div>
  )
}

export function Empty(props: { children: ComponentChildren }) {
  return <div class="empty">{props.children}</div>
}

/** A stack trace folded to its first line; the rest unfolds on demand. */
export function StackTrace(props: { text: string; open?: boolean; terms?: readonly string[] }) {
  const [open, setOpen] = useState(props.open ?? false)
  const lines = props.text.split('\n')
  const more = lines.length - 1
  return (
    <div class="stack" data-testid="stack-trace">
      <pre class="stack-text">
        <Highlighted text={open ? props.text : (lines[0] ?? '')} terms={props.terms ?? []} />
      </pre>
      {more > 0 ? (
        <button type="button" class="link-button" data-testid="stack-toggle" onClick={() => setOpen(!open)}>
          {open ? 'fold stack trace' : `unfold stack trace (${more} more lines)`}
        </button>
      ) : null}
    </div>
  )
}

/**
 * Text with the given terms marked: the text is split into plain strings and <mark> elements, so the
 * log line itself is never parsed as HTML.
 */
export function Highlighted(props: { text: string; terms: readonly string[] }) {
  return <>{splitByTerms(props.text, props.terms).map((p, i) => (p.hit ? <mark key={i}>{p.text}</mark> : p.text))}</>
}

export function Tabs(props: { tabs: readonly (readonly [string, string])[]; current: string; onSelect: (id: string) => void }) {
  return (
    <nav class="tabs" role="tablist">
      {props.tabs.map(([id, label]) => (
        <button type="button" role="tab" key={id} class={id === props.current ? 'tab active' : 'tab'} aria-selected={id === props.current} data-testid={`tab-${id}`} onClick={() => props.onSelect(id)}>
          {label}
        </button>
      ))}
    </nav>
  )
}

export function Stat(props: { label: string; value: ComponentChildren; tone?: string; testid?: string }) {
  return (
    <div class={`stat ${props.tone ?? ''}`}>
      <div class="stat-label">{props.label}</div>
      <div class="stat-value" data-testid={props.testid}>
        {props.value}
      </div>
    </div>
  )
}
