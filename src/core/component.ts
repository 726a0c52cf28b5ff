/** A long-running part of the service that /readyz reports on and shutdown stops. */
export interface Component {
  readonly name: string
  start(): Promise<void>
  /** Stop accepting work, flush what is buffered. Idempotent. */
  stop(): Promise<void>
  readiness(): ComponentStatus | Promise<ComponentStatus>
}

export interface ComponentStatus {
  ready: boolean
  detail: string
}
