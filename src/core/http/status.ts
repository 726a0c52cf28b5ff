/**
 * The one table of what an HTTP answer or a network failure means, used by every caller (Flink REST
 * reads and writes, YARN RM, Kubernetes API server, chat and SMS channels, Elasticsearch): whether
 * another try can help, and a bounded reason word. Before this table five stacks decided on their own
 * and disagreed (only two of them retried a 408).
 */
import type { CollectorErrorReason } from '../../model/cluster.js'
import { DecodeError, UpstreamError } from '../errors.js'

export type FailureClass =
  /** 408, and our own deadlines: the peer or the path was slow. */
  | 'timeout'
  /** 429: slow down (a Retry-After may say how long). */
  | 'throttled'
  /** 401, 403: credentials or permissions; retrying cannot help. */
  | 'auth'
  /** 404, 410: the object (or the endpoint) is not there. */
  | 'not_found'
  /** 409: someone else changed it first. */
  | 'conflict'
  /** Other 4xx, and unfollowed 3xx: our request is wrong. */
  | 'client'
  /** 503: the peer says it is temporarily unavailable (Flink during leader election). */
  | 'unavailable'
  /** Other 5xx. */
  | 'server'
  /** Refused, reset, unreachable: the peer may be back next time. */
  | 'network'
  /** A name that does not resolve or a malformed URL: a configuration error. */
  | 'bad_url'
  /** Certificate problems: a configuration error (CA, hostname), not an outage. */
  | 'tls'
  /** We aborted the request (shutdown, the poll's budget). */
  | 'aborted'

export interface Classification {
  retriable: boolean
  reason: FailureClass
}

const c = (retriable: boolean, reason: FailureClass): Classification => Object.freeze({ retriable, reason })

/** Statuses with a meaning of their own; the rest fall into their hundred (see classifyStatus). */
export const STATUS_TABLE: Readonly<Record<number, Classification>> = {
  401: c(false, 'auth'),
  403: c(false, 'auth'),
  404: c(false, 'not_found'),
  408: c(true, 'timeout'),
  409: c(false, 'conflict'),
  410: c(false, 'not_found'),
  429: c(true, 'throttled'),
  503: c(true, 'unavailable'),
}
const CLIENT = c(false, 'client')
const SERVER = c(true, 'server')

/** What a non-2xx status means; `null` for 2xx (success: the caller reads the body). */
export function classifyStatus(status: number): Classification | null {
  if (status >= 200 && status <= 299) return null
  const exact = STATUS_TABLE[status]
  if (exact) return exact
  if (status >= 500) return SERVER
  // 3xx reaching a caller was not followed; 1xx and garbage are the peer's fault as much as ours.
  if (status >= 300 && status <= 499) return CLIENT
  return SERVER
}

/** Network error codes (Node system errors, undici's UND_ERR_*), by what they mean. */
export const NETWORK_TABLE: Readonly<Record<string, Classification>> = {
  ETIMEDOUT: c(true, 'timeout'),
  ERR_UPSTREAM_TIMEOUT: c(true, 'timeout'),
  UND_ERR_CONNECT_TIMEOUT: c(true, 'timeout'),
  UND_ERR_HEADERS_TIMEOUT: c(true, 'timeout'),
  UND_ERR_BODY_TIMEOUT: c(true, 'timeout'),
  ECONNREFUSED: c(true, 'network'),
  ECONNRESET: c(true, 'network'),
  ECONNABORTED: c(true, 'network'),
  EPIPE: c(true, 'network'),
  EHOSTUNREACH: c(true, 'network'),
  ENETUNREACH: c(true, 'network'),
  EHOSTDOWN: c(true, 'network'),
  EAI_AGAIN: c(true, 'network'),
  UND_ERR_SOCKET: c(true, 'network'),
  UND_ERR_CLOSED: c(true, 'network'),
  ENOTFOUND: c(false, 'bad_url'),
  ERR_INVALID_URL: c(false, 'bad_url'),
  UND_ERR_INVALID_ARG: c(false, 'bad_url'),
  CERT_HAS_EXPIRED: c(false, 'tls'),
  CERT_NOT_YET_VALID: c(false, 'tls'),
  DEPTH_ZERO_SELF_SIGNED_CERT: c(false, 'tls'),
  SELF_SIGNED_CERT_IN_CHAIN: c(false, 'tls'),
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: c(false, 'tls'),
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: c(false, 'tls'),
  ERR_TLS_CERT_ALTNAME_INVALID: c(false, 'tls'),
  UND_ERR_ABORTED: c(false, 'aborted'),
  ABORT_ERR: c(false, 'aborted'),
}
const UNKNOWN_NETWORK = c(true, 'network')
const ABORTED = c(false, 'aborted')

/** The error code of a network failure, looking under fetch's `cause` wrapper too. */
export function networkCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null
  if (typeof e?.code === 'string') return e.code
  if (typeof e?.cause?.code === 'string') return e.cause.code
  return undefined
}

/** What a request that got no HTTP answer means. Unknown failures are worth another try. */
export function classifyNetworkError(err: unknown): Classification {
  const code = networkCode(err)
  if (code !== undefined && NETWORK_TABLE[code]) return NETWORK_TABLE[code]
  if (err instanceof Error && err.name === 'AbortError') return ABORTED
  return UNKNOWN_NETWORK
}

/** Flink answers 503 with this text while a JobManager leader is being elected. */
const LEADER_ELECTION = /leader election|temporarily unavailable/i

/** Maps any collector error to a bounded metric label (`flinkwatch_collector_errors_total{reason}`). */
export function reasonOf(err: unknown): CollectorErrorReason {
  if (err instanceof DecodeError) return 'decode'
  if (err instanceof UpstreamError) {
    if (err.code === 'ERR_UPSTREAM_TIMEOUT') return 'timeout'
    if (err.status === 503 && LEADER_ELECTION.test(err.message)) return 'leader_election'
    if (err.status === 404) return 'not_found'
    if (err.status !== undefined) return err.status >= 500 ? 'http_5xx' : 'http_4xx'
    if (err.retriable === false && /aborted/.test(err.message)) return 'aborted'
    return 'connect'
  }
  return 'other'
}
