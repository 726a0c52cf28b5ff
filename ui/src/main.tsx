/** The console shell: session check, top bar, and one page per route (state in the URL, see router.ts). */
import './boot.js'
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { authRequired, errorText } from './api.js'
import { Link, useRoute } from './router.js'
import { session, signOut, takeSession } from './session.js'
import { useStore } from './store.js'
import { Fleet } from './pages/fleet.js'
import { JobPage } from './pages/job.js'
import { Logs } from './pages/logs.js'
import { Alerts } from './pages/alerts.js'
import { SignIn } from './pages/signin.js'
import './styles.css'

function Page() {
  const { path } = useRoute()
  if (path === '/' || path === '/index.html') return <Fleet />
  const job = /^\/jobs\/([^/]+)\/([^/]+)\/?$/.exec(path)
  if (job) return <JobPage cluster={decodeURIComponent(job[1]!)} jobId={decodeURIComponent(job[2]!)} />
  if (path === '/logs') return <Logs />
  if (path === '/alerts') return <Alerts />
  return (
    <div class="page">
      <h1>Not found</h1>
      <p>
        No console page at this address. <Link href="/">Back to the fleet</Link>
      </p>
    </div>
  )
}

function NavLink(props: { href: string; label: string; active: boolean }) {
  return (
    <Link href={props.href} class={props.active ? 'nav-link active' : 'nav-link'} testid={`nav-${props.label.toLowerCase()}`}>
      {props.label}
    </Link>
  )
}

function App() {
  const needAuth = useStore(authRequired)
  const me = useStore(session)
  const { path } = useRoute()
  const [bootError, setBootError] = useState<unknown>(null)
  const [booted, setBooted] = useState(false)
  useEffect(() => {
    takeSession()
      .catch((err: unknown) => setBootError(err))
      .finally(() => setBooted(true))
  }, [])
  if (!booted) return <div class="boot">loading…</div>
  if (needAuth || !me) {
    if (bootError && !needAuth) return <div class="boot error-note">flinkwatch did not answer: {errorText(bootError)}</div>
    return <SignIn />
  }
  return (
    <div class="shell">
      <header class="topbar">
        <Link href="/" class="brand">
          <span class="brand-mark" />
          flinkwatch
        </Link>
        <nav class="nav">
          <NavLink href="/" label="Fleet" active={path === '/' || path.startsWith('/jobs/')} />
          <NavLink href="/logs" label="Logs" active={path === '/logs'} />
          <NavLink href="/alerts" label="Alerts" active={path === '/alerts'} />
        </nav>
        <div class="whoami" data-testid="whoami">
          <span class="who-name">{me.name}</span>
          <span class={`role role-${me.role}`} data-testid="whoami-role">
            {me.role}
          </span>
          {me.authEnabled ? (
            <button type="button" class="link-button" data-testid="signout" onClick={signOut}>
              sign out
            </button>
          ) : null}
        </div>
      </header>
      <main class="main">
        <Page />
      </main>
    </div>
  )
}

render(<App />, document.getElementById('app')!)
