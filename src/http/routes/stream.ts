import type { FastifyPluginAsync } from 'fastify'
import type { Counter } from 'prom-client'
import { errorMessage } from '../../core/errors.js'
import type { StreamHub } from '../../stream/stream-hub.js'

/** WebSocket GET /api/v1/stream?topics=jobs,logs,alerts (plus each topic's filters). */
export function streamRoutes(deps: { hub: StreamHub; maxBufferedBytes: number; dropped: Counter }): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/stream',
      {
        websocket: true,
        schema: {
          tags: ['stream'],
          summary: 'WebSocket: live job transitions, log lines and alerts',
          description: 'Query: topics=jobs,logs,alerts; logs filters job, level, q; messages are JSON {topic, type, data}; type "missed" says how many messages a slow client lost.',
        },
      },
      (socket, req) => {
        const params = Object.fromEntries(Object.entries(req.query as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>
        let detach: () => void = () => {}
        try {
          detach = deps.hub.attach(socket, params, deps.maxBufferedBytes, (n) => deps.dropped.inc(n))
        } catch (err) {
          socket.send(JSON.stringify({ topic: 'error', type: 'error', data: { message: errorMessage(err) } }))
          socket.close(1008, 'bad request')
          return
        }
        socket.send(JSON.stringify({ topic: 'stream', type: 'subscribed', data: { topics: params['topics']?.split(',') ?? [] } }))
        socket.on('close', () => detach())
        socket.on('error', () => detach())
      },
    )
  }
}
