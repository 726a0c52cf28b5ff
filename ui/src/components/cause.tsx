/** Why a job failed, as the cause classifier decided: the class, whose it is to fix, what to check, and the evidence (all as text). */
import type { Alert } from '../types.js'

export type Cause = NonNullable<Alert['cause']>

export function CauseView(props: { cause: Cause; title?: boolean }) {
  const c = props.cause
  return (
    <div data-testid="incident-cause" class="cause">
      {props.title === false ? null : <h3 class="section-title">Why it failed</h3>}
      <div>
        <span class="badge bad" data-testid="cause-class">
          {c.class}
        </span>{' '}
        <strong>{c.title}</strong> <span class="muted-text">({c.owner === 'job' ? 'job owner' : 'platform'} to fix)</span>
      </div>
      <p>{c.hint}</p>
      {c.evidence.frames.length > 0 ? <pre class="stack-text" data-testid="cause-frames">{c.evidence.frames.join('\n')}</pre> : null}
      {c.evidence.logs.map((l) => (
        <div class="mono" key={`${l.at}-${l.text}`}>
          {l.level} {l.taskManager ?? ''} {l.text}
        </div>
      ))}
      <div class="muted-text">same cause {c.evidence.countLast7d}× in 7 days</div>
    </div>
  )
}
