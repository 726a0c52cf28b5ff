export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL'

/** A decoded log line, before it becomes a stored (ECS-shaped) document. */
export interface LogRecord {
  id: string
  timestamp: number
  level: LogLevel | null
  message: string
  logger: string | null
  thread: string | null
  cluster: string | null
  jobId: string | null
  jobName: string | null
  taskManager: string | null
  errorType: string | null
  errorMessage: string | null
  stackTrace: string | null
  /** Set when the record was cut to logs.maxRecordBytes. */
  truncated: boolean
  /** Where it came from: kafka topic/partition/offset or http. */
  origin: string
  /** Marker records report lines dropped by the rate limiter. */
  marker?: { dropped: number; from: number; to: number }
}

/** One payload as a source (Kafka, HTTP ingest) hands it to the log pipeline, before decoding. */
export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined

export interface RawLog {
  value: Uint8Array | null
  /** Kafka record key: the stack's appender keys by job id (32 hex); any other non-empty key is read as the TaskManager id. */
  key?: Uint8Array | null
  headers?: Readonly<Record<string, HeaderValue>>
  /** Document id derived from the origin (topic-partition-offset, or a content hash). */
  id: string
  /** Human-readable origin: `kafka:<topic>/<partition>/<offset>` or `http`. */
  origin: string
  /** Time the record reached flinkwatch: the timestamp of last resort. */
  receivedAt: number
  /** Kafka's record timestamp, used when the payload has none. */
  sourceTimestamp?: number
}
