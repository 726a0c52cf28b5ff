/**
 * Headless Chromium for the console end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core
 * (no browser download), a fresh profile per run, and helpers to sign in, wait and take screenshots.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { ROOT } from '../../helpers/stack.js'

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Where each run writes a screenshot of every page; FLINKWATCH_SCREENSHOTS=docs/screenshots refreshes the committed set. */
export const SCREENSHOTS = process.env['FLINKWATCH_SCREENSHOTS'] ? join(ROOT, process.env['FLINKWATCH_SCREENSHOTS']) : join(ROOT, 'dist/screenshots')

/** The service serves dist/ui: build it when this checkout has not (npm install's prepare normally has). */
export function ensureConsoleBuilt(): void {
  if (existsSync(join(ROOT, 'dist/ui/index.html'))) return
  const r = spawnSync('npm', ['run', 'build:ui'], { cwd: ROOT, stdio: 'inherit' })
  if (r.status !== 0) throw new Error('npm run build:ui failed')
}

export interface Browser {
  context: BrowserContext
  close(): Promise<void>
}

export async function launch(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'fw-console-e2e-'))
  // A persistent context is how playwright takes a --user-data-dir; each page (tab) has its own sessionStorage.
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1440, height: 900 } })
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined)
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

export interface Watched {
  page: Page
  /** Uncaught page errors and CSP violations: a console that works has none. */
  errors: string[]
  dialogs: string[]
}

export async function newPage(b: Browser): Promise<Watched> {
  const page = await b.context.newPage()
  const w: Watched = { page, errors: [], dialogs: [] }
  page.on('pageerror', (e) => w.errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) w.errors.push(`csp: ${m.text()}`)
  })
  page.on('dialog', (d) => {
    w.dialogs.push(d.message())
    void d.dismiss()
  })
  return w
}

/** Opens the console, answers the token prompt and waits until the top bar says who is signed in. */
export async function signIn(page: Page, baseUrl: string, token: string, path = '/'): Promise<string> {
  await page.goto(`${baseUrl}${path}`)
  await page.getByTestId('token-input').fill(token)
  await page.getByTestId('signin-submit').click()
  await page.getByTestId('whoami-role').waitFor({ timeout: 15_000 })
  return (await page.getByTestId('whoami-role').textContent()) ?? ''
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })
}

/** Re-runs `attempt` (e.g. pressing Search again) until `selector` shows up. */
export async function retryUntilVisible(page: Page, selector: string, attempt: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    await attempt()
    try {
      await page.locator(selector).first().waitFor({ timeout: 2000 })
      return
    } catch (err) {
      if (Date.now() > deadline) throw err
    }
  }
}
