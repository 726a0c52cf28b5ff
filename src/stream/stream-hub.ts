import { BadRequestError } from '../core/errors.js'

export type { StreamMessage, StreamTopic } from '../core/stream-topic.js'
import type { StreamMessage, StreamTopic } from '../core/stream-topic.js'

/** Anything that can carry frames to a client; the ws socket in production, an array in tests. */
export interface StreamSink {
  /** Bytes queued but not yet written to the network. */
  readonly bufferedAmount: number
  send(data: string): void
}

export class StreamHub {
  private readonly topics = new Map<string, StreamTopic>()

  register(topic: StreamTopic): void {
    this.topics.set(topic.name, topic)
  }

  names(): string[] {
    return [...this.topics.keys()]
  }

  /**
   * Attaches a client to the topics it asked for. A client that reads slower
   * than messages arrive loses messages, not the service's time: above
   * `maxBufferedBytes` frames are dropped and the client is told how many.
   */
  attach(sink: StreamSink, params: Readonly<Record<string, string>>, maxBufferedBytes: number, onDrop: (n: number) => void = () => {}): () => void {
    const wanted = (params['topics'] ?? '').split(',').map((t) => t.trim()).filter(Boolean)
    if (wanted.length === 0) throw new BadRequestError(`topics is required (one or more of ${this.names().join(', ')})`)
    const unknown = wanted.filter((t) => !this.topics.has(t))
    if (unknown.length > 0) throw new BadRequestError(`unknown topic ${unknown.join(', ')} (known: ${this.names().join(', ')})`)
    const missed = new Map<string, number>()
    const push = (msg: StreamMessage): void => {
      if (sink.bufferedAmount > maxBufferedBytes) {
        missed.set(msg.topic, (missed.get(msg.topic) ?? 0) + 1)
        onDrop(1)
        return
      }
      for (const [topic, count] of missed) sink.send(JSON.stringify({ topic, type: 'missed', data: { count } }))
      missed.clear()
      sink.send(JSON.stringify(msg))
    }
    const removers: (() => void)[] = []
    try {
      for (const name of wanted) removers.push(this.topics.get(name)!.subscribe(params, push))
    } catch (err) {
      removers.forEach((r) => r())
      throw err
    }
    return () => removers.forEach((r) => r())
  }
}
