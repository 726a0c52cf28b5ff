import { errors } from '@elastic/elasticsearch'
import { AppError, errorMessage } from '../core/errors.js'
import { classifyStatus } from '../core/http/status.js'

/** `type: reason` of an Elasticsearch error body (the root cause when there is one). */
export function esReason(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined
  const err = (body as { error?: unknown }).error
  if (typeof err === 'string') return err
  if (err === null || typeof err !== 'object') return undefined
  const e = err as { type?: string; reason?: string; root_cause?: { type?: string; reason?: string }[]; caused_by?: { type?: string; reason?: string } }
  const cause = e.caused_by ?? e.root_cause?.[0]
  const main = [e.type, e.reason].filter(Boolean).join(': ')
  const extra = cause && cause.reason && cause.reason !== e.reason ? ` (${[cause.type, cause.reason].filter(Boolean).join(': ')})` : ''
  return main ? `${main}${extra}` : undefined
}

export function esErrorType(err: unknown): string | undefined {
  if (!(err instanceof errors.ResponseError)) return undefined
  const body = err.body as { error?: { type?: string } } | undefined
  return body?.error?.type
}

export function isStatus(err: unknown, status: number): boolean {
  return err instanceof errors.ResponseError && err.statusCode === status
}

/** Per-item and per-request statuses worth retrying, by the one status table (no status: a lost connection). */
export function retriableStatus(status: number | undefined): boolean {
  return status === undefined || (classifyStatus(status)?.retriable ?? false)
}

/**
 * Maps a client error to one AppError: connection problems and 429/5xx are
 * retriable, everything else (mapping conflicts, bad requests) is not.
 */
export function toAppError(err: unknown, what: string, node: string): AppError {
  if (err instanceof AppError) return err
  if (err instanceof errors.ConnectionError || err instanceof errors.NoLivingConnectionsError) {
    return new AppError('ERR_STORE_UNAVAILABLE', `${what}: Elasticsearch at ${node} is unreachable (${err.message})`, { retriable: true, cause: err })
  }
  if (err instanceof errors.TimeoutError) {
    return new AppError('ERR_STORE_UNAVAILABLE', `${what}: Elasticsearch at ${node} did not answer in time`, { retriable: true, cause: err })
  }
  if (err instanceof errors.ProductNotSupportedError) {
    return new AppError('ERR_STORE', `${what}: the server at ${node} is not Elasticsearch (use an Elasticsearch 8.x cluster)`, { retriable: false, cause: err })
  }
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode
    const reason = esReason(err.body) ?? err.message
    return new AppError('ERR_STORE', `${what}: Elasticsearch answered ${status ?? '?'}: ${reason}`, { retriable: retriableStatus(status), cause: err })
  }
  return new AppError('ERR_STORE', `${what}: ${errorMessage(err)}`, { cause: err })
}
