/** Runs a real flinkwatch in-process for HTTP and integration tests. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { buildApp, type App, type AppOptions } from '../../src/app.js'
import { validateConfig } from '../../src/config/load.js'
import type { FlinkwatchConfig } from '../../src/config/schema.js'
import { createLogger } from '../../src/core/logger.js'

/** Lines the service logged, for assertions; quiet unless FLINKWATCH_TEST_LOGS=1. */
export function captureLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString())
      if (process.env['FLINKWATCH_TEST_LOGS']) process.stderr.write(chunk)
      cb()
    },
  })
  return { logger: createLogger({ level: 'debug', destination }), lines }
}

/** Config from a partial object, defaults applied, embedded store in a fresh temp dir, port 0. */
export function testConfig(partial: Record<string, unknown> = {}): FlinkwatchConfig {
  const base: Record<string, unknown> = {
    server: { host: '127.0.0.1', port: 0 },
    storage: { type: 'embedded', path: mkdtempSync(join(tmpdir(), 'fw-test-')) },
    alerting: { rulesFile: join(new URL('../../', import.meta.url).pathname, 'config/rules.yaml') },
  }
  return validateConfig({ ...base, ...partial })
}

export interface RunningService {
  app: App
  url: string
  logs: string[]
  stop(): Promise<void>
}

export async function startService(config: FlinkwatchConfig, opts: AppOptions = {}): Promise<RunningService> {
  const { logger, lines } = captureLogger()
  const app = await buildApp(config, { logger, ...opts })
  await app.start()
  const url = await app.listen()
  return { app, url, logs: lines, stop: () => app.stop() }
}
