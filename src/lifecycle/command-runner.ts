/**
 * Runs a configured command template (application-mode resubmission on YARN, e.g.
 * `flink run-application -t yarn-application -s {savepoint} ./orders.jar`) without a shell: the template
 * is split into arguments first (whitespace, '…' and "…" quoting, backslash escapes), then placeholders
 * are substituted inside each argument, so a value can never add arguments or shell syntax.
 * A timeout (on the injected clock) sends SIGTERM, then SIGKILL after a grace period; output is captured
 * up to a limit.
 */
import { spawn } from 'node:child_process'
import type { Clock } from '../core/clock.js'
import { AppError, BadRequestError } from '../core/errors.js'

export interface CommandRun {
  template: string
  /** Placeholder values: {savepoint}, {jobName}, {cluster}, … */
  values: Record<string, string | undefined>
  timeoutMs: number
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Bytes kept of stdout and of stderr each (the tail is kept). */
  maxOutputBytes?: number
  /** Pause between SIGTERM and SIGKILL after the timeout. */
  killGraceMs?: number
}

export interface CommandResult {
  argv: string[]
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  timedOut: boolean
  durationMs: number
  ok: boolean
}

/** Splits a template into arguments, as a POSIX shell would split words (no expansion of any kind). */
export function splitTemplate(template: string): string[] {
  const out: string[] = []
  let cur = ''
  let inWord = false
  let quote: '"' | "'" | null = null
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!
    if (quote) {
      if (ch === quote) quote = null
      else if (ch === '\\' && quote === '"' && i + 1 < template.length && '"\\'.includes(template[i + 1]!)) cur += template[++i]
      else cur += ch
    } else if (ch === '"' || ch === "'") {
      quote = ch
      inWord = true
    } else if (ch === '\\' && i + 1 < template.length) {
      cur += template[++i]
      inWord = true
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur)
      cur = ''
      inWord = false
    } else {
      cur += ch
      inWord = true
    }
  }
  if (quote) throw new BadRequestError(`command template has an unterminated ${quote} quote: ${template}`)
  if (inWord) out.push(cur)
  return out
}

/** The argument vector: placeholders replaced per argument; an unknown or missing placeholder is an error. */
export function renderCommand(template: string, values: Record<string, string | undefined>): string[] {
  const argv = splitTemplate(template).map((arg) =>
    arg.replace(/\{([A-Za-z][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      if (!(name in values)) throw new BadRequestError(`command template uses {${name}}, which is not one of ${Object.keys(values).map((k) => `{${k}}`).join(', ') || 'no placeholders'}`)
      const v = values[name]
      if (v === undefined || v === '') throw new BadRequestError(`command template needs {${name}} but it has no value`)
      return v
    }),
  )
  if (argv.length === 0) throw new BadRequestError('command template is empty')
  return argv
}

export function runCommand(run: CommandRun, deps: { clock: Clock; signal?: AbortSignal }): Promise<CommandResult> {
  const argv = renderCommand(run.template, run.values)
  const limit = run.maxOutputBytes ?? 64 * 1024
  const started = deps.clock.now()
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: run.cwd, env: run.env ?? process.env, shell: false, stdio: ['ignore', 'pipe', 'pipe'] })
    const out = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) }
    const keep = (which: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const b = Buffer.concat([out[which], chunk])
      out[which] = b.length > limit ? b.subarray(b.length - limit) : b
    }
    child.stdout.on('data', keep('stdout'))
    child.stderr.on('data', keep('stderr'))
    let timedOut = false
    let killTimer: ReturnType<Clock['setTimeout']> | null = null
    const terminate = (): void => {
      child.kill('SIGTERM')
      killTimer = deps.clock.setTimeout(() => child.kill('SIGKILL'), run.killGraceMs ?? 10_000)
    }
    const timer = deps.clock.setTimeout(() => {
      timedOut = true
      terminate()
    }, run.timeoutMs)
    const onAbort = (): void => terminate()
    deps.signal?.addEventListener('abort', onAbort, { once: true })
    const cleanup = (): void => {
      deps.clock.clearTimeout(timer)
      if (killTimer) deps.clock.clearTimeout(killTimer)
      deps.signal?.removeEventListener('abort', onAbort)
    }
    child.on('error', (err: NodeJS.ErrnoException) => {
      cleanup()
      reject(new AppError('ERR_CONFIG', err.code === 'ENOENT' ? `command not found: ${argv[0]}` : `cannot run ${argv[0]}: ${err.message}`, { retriable: false, cause: err }))
    })
    child.on('close', (code, signal) => {
      cleanup()
      resolve({
        argv,
        exitCode: code,
        signal,
        stdout: out.stdout.toString('utf8'),
        stderr: out.stderr.toString('utf8'),
        timedOut,
        durationMs: deps.clock.now() - started,
        ok: code === 0 && !timedOut,
      })
    })
  })
}
