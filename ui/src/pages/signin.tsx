import { useState } from 'preact/hooks'
import { errorText, setToken } from '../api.js'
import { loadSession } from '../session.js'

/** Token prompt: the token is kept in sessionStorage (this tab, this session) and nowhere else. */
export function SignIn() {
  const [token, setTokenText] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    const t = token.trim()
    if (!t) return
    setBusy(true)
    setError(null)
    setToken(t)
    try {
      if (!(await loadSession())) {
        setToken(null)
        setError('That token was not accepted.')
      }
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <div class="signin" data-testid="signin">
      <form class="signin-card" onSubmit={submit}>
        <div class="brand big">
          <span class="brand-mark" />
          flinkwatch
        </div>
        <p class="muted-text">This flinkwatch needs an API token. It is kept for this browser tab only and sent as a bearer token.</p>
        <label class="field">
          <span>API token</span>
          <input type="password" autocomplete="off" spellcheck={false} value={token} data-testid="token-input" onInput={(e) => setTokenText((e.target as HTMLInputElement).value)} autofocus />
        </label>
        {error ? (
          <div class="error-note" data-testid="signin-error">
            {error}
          </div>
        ) : null}
        <button type="submit" class="primary" disabled={busy} data-testid="signin-submit">
          Sign in
        </button>
      </form>
    </div>
  )
}
