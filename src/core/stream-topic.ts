/** The seam between features that stream (jobs, logs, alerts) and the WebSocket hub (src/stream/stream-hub.ts). */

/** A message pushed to WebSocket clients. */
export interface StreamMessage {
  topic: string
  type: string
  data: unknown
}

/**
 * A feature that streams (jobs, logs, alerts). `subscribe` validates the
 * client's query parameters (throwing BadRequestError) and returns the remover.
 */
export interface StreamTopic {
  readonly name: string
  subscribe(params: Readonly<Record<string, string>>, push: (msg: StreamMessage) => void): () => void
}
