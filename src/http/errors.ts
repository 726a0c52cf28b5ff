import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../core/errors.js'

const STATUS_BY_CODE: Partial<Record<AppError['code'], number>> = {
  ERR_NOT_FOUND: 404,
  ERR_BAD_REQUEST: 400,
  ERR_CONFLICT: 409,
  ERR_DECODE: 400,
  ERR_STORE_UNAVAILABLE: 503,
}

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
}

/** Client errors say what was wrong; server errors are logged and never leak details or stacks. */
export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  const fe = err as FastifyError
  let status = fe.statusCode ?? (err instanceof AppError ? STATUS_BY_CODE[err.code] : undefined) ?? 500
  if (fe.validation) status = 400
  if (status >= 500) {
    // The route pattern, not the URL: a query string may carry ?access_token=, an acknowledge link's path its token.
    req.log.error({ err, request: { method: req.method, route: req.routeOptions.url ?? req.url.split('?')[0] } }, 'request failed')
    const message = status === 503 ? err.message : 'Internal Server Error'
    void reply.status(status).send({ statusCode: status, error: REASON[status] ?? 'Internal Server Error', message })
    return
  }
  void reply.status(status).send({ statusCode: status, error: REASON[status] ?? 'Bad Request', message: err.message })
}

export function sendError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.status(status).send({ statusCode: status, error: REASON[status] ?? 'Error', message })
}
