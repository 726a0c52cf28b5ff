/**
 * Lifecycle actions with a confirmation step, only for roles allowed to use them, and the operation's
 * progress polled until it ends.
 */
import { useEffect, useState } from 'preact/hooks'
import { api, errorText } from '../api.js'
import { Badge } from '../components/ui.js'
import { time } from '../format.js'
import type { Operation } from '../types.js'

const ACTIONS = [
  { id: 'savepoint', label: 'Savepoint', explain: 'Trigger a savepoint and wait for it. The job keeps running.' },
  { id: 'stop', label: 'Stop with savepoint', explain: 'Take a savepoint, then stop the job. It stays stopped until someone starts it.' },
  { id: 'cancel', label: 'Cancel', explain: 'Cancel the job without a savepoint. State since the last checkpoint is lost.' },
  { id: 'restart', label: 'Restart from latest state', explain: 'Stop or cancel the job if it runs, then resubmit it from the newest retained checkpoint or savepoint.' },
] as const

export function JobActions(props: { cluster: string; jobId: string; jobName: string }) {
  const [confirming, setConfirming] = useState<(typeof ACTIONS)[number] | null>(null)
  const [op, setOp] = useState<Operation | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    if (!op || op.status === 'succeeded' || op.status === 'failed') return
    const t = setTimeout(() => {
      api<Operation>(`/operations/${encodeURIComponent(op.id)}`).then(setOp, (e: unknown) => setError(errorText(e)))
    }, 1000)
    return () => clearTimeout(t)
  }, [op])

  const run = async () => {
    if (!confirming) return
    setBusy(true)
    setError(null)
    try {
      const r = await api<{ operationId: string; operation: Operation }>(`/jobs/${encodeURIComponent(props.cluster)}/${encodeURIComponent(props.jobId)}/actions`, { method: 'POST', body: { action: confirming.id } })
      setOp(r.operation)
      setConfirming(null)
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  const running = op !== null && (op.status === 'pending' || op.status === 'running')
  return (
    <div class="actions" data-testid="job-actions">
      <div class="action-buttons">
        {ACTIONS.map((a) => (
          <button type="button" key={a.id} class={a.id === 'cancel' ? 'danger' : ''} disabled={running || busy} data-testid={`action-${a.id}`} onClick={() => (setConfirming(a), setError(null))}>
            {a.label}
          </button>
        ))}
      </div>
      {confirming ? (
        <div class="confirm" role="dialog" data-testid="confirm-action">
          <div>
            <b>{confirming.label}</b> on <span class="mono">{props.jobName}</span>?
          </div>
          <div class="muted-text">{confirming.explain}</div>
          <div class="confirm-buttons">
            <button type="button" class={confirming.id === 'cancel' ? 'danger' : 'primary'} disabled={busy} data-testid="confirm-yes" onClick={() => void run()}>
              {confirming.label}
            </button>
            <button type="button" data-testid="confirm-no" onClick={() => setConfirming(null)}>
              Keep it as it is
            </button>
          </div>
        </div>
      ) : null}
      {error ? (
        <div class="error-note" data-testid="action-error">
          {error}
        </div>
      ) : null}
      {op ? (
        <div class="operation" data-testid="operation">
          <Badge value={op.status} testid="operation-status" />
          <span class="mono">{op.action}</span>
          <span class="muted-text">by {op.requestedBy}, {time(op.createdAt)}</span>
          {running ? <span class="spinner" /> : null}
          {op.message ? <div class="operation-message">{op.message}</div> : null}
          {op.result ? (
            <div class="operation-result mono" data-testid="operation-result">
              {Object.entries(op.result)
                .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
                .join(' · ')}
            </div>
          ) : null}
        </div>
      ) : null}
    </div>
  )
}
