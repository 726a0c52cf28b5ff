import pino, { type Logger } from 'pino'

export type { Logger }

export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env['FLINKWATCH_LOG_LEVEL'] ?? 'info',
      redact: { paths: ['*.token', '*.password', '*.secret', '*.apiKey', 'req.headers.authorization'], censor: '[redacted]' },
      base: { service: 'flinkwatch' },
    },
    opts.destination,
  )
}

/** Logs a repeated failure only when its text changes (alertmanager's retry stage). */
export function onChange(): (key: string, text: string, log: () => void) => void {
  const last = new Map<string, string>()
  return (key, text, log) => {
    if (last.get(key) === text) return
    last.set(key, text)
    log()
  }
}
