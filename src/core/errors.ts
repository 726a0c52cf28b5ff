/**
 * One error hierarchy (kafkajs style): every error says whether retrying can
 * help, and carries its context in fields instead of in the message.
 */
export type ErrorCode =
  | 'ERR_CONFIG'
  | 'ERR_STORE'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_UPSTREAM'
  | 'ERR_UPSTREAM_TIMEOUT'
  | 'ERR_DECODE'
  | 'ERR_NOT_FOUND'
  | 'ERR_CONFLICT'
  | 'ERR_BAD_REQUEST'
  | 'ERR_RETRIES_EXCEEDED'

export class AppError extends Error {
  readonly code: ErrorCode
  readonly retriable: boolean

  constructor(code: ErrorCode, message: string, opts: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = new.target.name
    this.code = code
    this.retriable = opts.retriable ?? true
  }
}

export class ConfigError extends AppError {
  readonly problems: readonly string[]
  constructor(problems: readonly string[], opts: { cause?: unknown } = {}) {
    super('ERR_CONFIG', problems.join('\n'), { retriable: false, ...opts })
    this.problems = problems
  }
}

/** An upstream HTTP peer (Flink, YARN, Kubernetes, a chat webhook) misbehaved. */
export class UpstreamError extends AppError {
  readonly upstream: string
  readonly status: number | undefined
  /** The URL with credentials and query secrets removed. */
  readonly url: string
  constructor(
    upstream: string,
    url: string,
    message: string,
    opts: { status?: number; retriable?: boolean; cause?: unknown; code?: ErrorCode } = {},
  ) {
    super(opts.code ?? 'ERR_UPSTREAM', message, opts)
    this.upstream = upstream
    this.status = opts.status
    this.url = redactUrl(url)
  }
}

export class DecodeError extends AppError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('ERR_DECODE', message, { retriable: false, ...opts })
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('ERR_NOT_FOUND', message, { retriable: false })
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('ERR_CONFLICT', message, { retriable: false })
  }
}

export class BadRequestError extends AppError {
  constructor(message: string) {
    super('ERR_BAD_REQUEST', message, { retriable: false })
  }
}

export class RetriesExceededError extends AppError {
  readonly attempts: number
  constructor(attempts: number, cause: unknown) {
    super('ERR_RETRIES_EXCEEDED', `gave up after ${attempts} attempts: ${errorMessage(cause)}`, {
      retriable: false,
      cause,
    })
    this.attempts = attempts
  }
}

const PROGRAMMER_ERRORS = new Set(['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError'])

/** Unknown errors are worth retrying; programmer errors and explicit non-retriables are not. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof AppError) return err.retriable
  if (err instanceof Error) {
    if (err.name === 'AbortError') return false
    return !PROGRAMMER_ERRORS.has(err.name)
  }
  return true
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}

/** Strips userinfo and secret-looking query parameters so URLs can be logged. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw)
    if (u.username || u.password) {
      u.username = 'redacted'
      u.password = ''
    }
    for (const key of [...u.searchParams.keys()]) {
      if (/sign|token|secret|key|access/i.test(key)) u.searchParams.set(key, 'redacted')
    }
    return u.toString()
  } catch {
    return '<invalid url>'
  }
}
