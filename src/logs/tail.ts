import { BadRequestError } from '../core/errors.js'
import type { NewDoc } from '../storage/store.js'
import type { StreamMessage, StreamTopic } from '../stream/stream-hub.js'
import { toHit } from './document.js'
import { compileMatcher } from './query/matcher.js'
import { parseLogQuery } from './query/parse.js'
import type { SinkResult } from './sink.js'

interface Subscriber {
  match: ReturnType<typeof compileMatcher>
  push: (msg: StreamMessage) => void
}

/**
 * WebSocket topic `logs` (filters job, level, cluster, taskManager, q with the search syntax): pushes each
 * line once it is stored. The hub bounds each client's buffer and tells slow clients what they missed.
 */
export class LogTailTopic implements StreamTopic {
  readonly name = 'logs'
  private readonly subscribers = new Set<Subscriber>()

  get size(): number {
    return this.subscribers.size
  }

  subscribe(params: Readonly<Record<string, string>>, push: (msg: StreamMessage) => void): () => void {
    let match: Subscriber['match']
    try {
      match = compileMatcher(parseLogQuery(params['q']), { job: params['job'], level: params['level'], cluster: params['cluster'], taskManager: params['taskManager'] })
    } catch (err) {
      throw err instanceof BadRequestError ? err : new BadRequestError(`bad logs filter: ${String(err)}`)
    }
    const s: Subscriber = { match, push }
    this.subscribers.add(s)
    return () => this.subscribers.delete(s)
  }

  publish(docs: readonly NewDoc[], result: SinkResult): void {
    if (this.subscribers.size === 0) return
    for (const d of docs) {
      if (result.failedIds.has(d.id)) continue
      let hit: ReturnType<typeof toHit> | undefined
      for (const s of this.subscribers) {
        if (!s.match(d.body)) continue
        hit ??= toHit({ id: d.id, timestamp: d.timestamp, version: '1', body: d.body })
        s.push({ topic: 'logs', type: 'line', data: hit })
      }
    }
  }
}
