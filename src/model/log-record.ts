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
