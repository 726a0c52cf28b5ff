/**
 * The failure cause as Alertmanager v4 annotations (string → string, so existing receivers and
 * templates read them): `cause`, `cause_owner`, `cause_title`, `cause_hint`, `cause_rule`,
 * `cause_runbook`, `cause_exception`, `cause_matched`, `cause_frames` and `cause_logs`
 * (newline-separated), `cause_count_7d`, `job_url`, `log_search_url`, and `cause_evidence`
 * (the whole evidence as JSON).
 */
import type { AlertEvent } from '../../src/model/alert.js'

export function causeAnnotations(a: AlertEvent): Record<string, string> {
  const c = a.cause
  if (!c) return {}
  const ev = c.evidence
  const out: Record<string, string> = {
    cause: c.class,
    cause_owner: c.owner,
    cause_title: c.title,
    cause_hint: c.hint,
    cause_count_7d: String(ev.countLast7d),
    cause_evidence: JSON.stringify(ev),
  }
  if (c.rule) out['cause_rule'] = c.rule
  if (c.runbook) out['cause_runbook'] = c.runbook
  if (ev.exception) out['cause_exception'] = ev.exception
  if (ev.matched) out['cause_matched'] = ev.matched
  if (ev.frames.length > 0) out['cause_frames'] = ev.frames.join('\n')
  if (ev.logs.length > 0) out['cause_logs'] = ev.logs.map((l) => `${new Date(l.at).toISOString()} ${l.level}${l.taskManager ? ` ${l.taskManager}` : ''} ${l.text}`).join('\n')
  return out
}
