import { parseArgs } from 'node:util'
import { loadConfigFile, resolveConfigPath } from './config/load.js'
import { AppError, ConfigError, errorMessage } from './core/errors.js'
import { createLogger } from './core/logger.js'
import { buildApp } from './app.js'
import { parseDuration } from './core/duration.js'
import { checkAlertingConfig } from '../alerting/check.js'
import { checkCausesConfig } from './causes/check.js'

const USAGE = `flinkwatch: monitoring, alerting, log search and auto-recovery for Apache Flink fleets

Usage:
  flinkwatch serve [--config FILE]           run the service
  flinkwatch check-config [--config FILE]    validate a config file; exit 2 on any error
  flinkwatch dashboards --out DIR            write Grafana dashboards and a provisioning file

Without --config, FLINKWATCH_CONFIG is used, else config/flinkwatch.yaml.`

type Command = (args: string[]) => Promise<number>

const commands: Record<string, Command> = {
  serve,
  'check-config': checkConfig,
  dashboards: async (args) => (await import('../dashboards/cli.js')).dashboardsCommand(args),
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE)
    return name ? 0 : 1
  }
  const cmd = commands[name]
  if (!cmd) {
    console.error(`flinkwatch: unknown command ${JSON.stringify(name)}\n\n${USAGE}`)
    return 1
  }
  return cmd(rest)
}

function configFlag(args: string[]): string | undefined {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } }, strict: true })
  return values.config
}

async function checkConfig(args: string[]): Promise<number> {
  const path = resolveConfigPath(configFlag(args))
  try {
    const config = loadConfigFile(path)
    const problems = [...checkAlertingConfig(config), ...checkCausesConfig(config)]
    if (problems.length > 0) {
      for (const p of problems) console.error(p)
      return 2
    }
    console.log(`${path}: valid (${config.clusters.length} cluster(s), storage ${config.storage.type})`)
    return 0
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const p of err.problems) console.error(p)
      return 2
    }
    throw err
  }
}

async function serve(args: string[]): Promise<number> {
  const path = resolveConfigPath(configFlag(args))
  const config = loadConfigFile(path)
  const logger = createLogger()
  const app = await buildApp(config, { logger })
  let signals = 0
  const shutdown = (signal: string): void => {
    if (++signals > 1) {
      logger.warn({ signal }, 'second signal: exiting without waiting')
      process.exit(1)
    }
    logger.info({ signal }, 'shutting down')
    const deadline = setTimeout(() => {
      logger.error('shutdown timed out; exiting')
      process.exit(1)
    }, parseDuration(config.server.shutdownTimeout))
    deadline.unref()
    void app.stop().then(() => process.exit(0))
  }
  // `on`, not `once`: a second signal must reach shutdown() to force the exit.
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
  try {
    await app.start()
    const address = await app.listen()
    logger.info({ address, config: path }, 'flinkwatch listening')
  } catch (err) {
    await app.stop()
    throw err
  }
  return new Promise<number>(() => {})
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // One clear line, never a stack dump, for the errors users cause.
    if (err instanceof ConfigError) for (const p of err.problems) console.error(`flinkwatch: ${p}`)
    else if (err instanceof AppError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) console.error(`flinkwatch: ${errorMessage(err)}`)
    else console.error('flinkwatch: unexpected error:', err)
    process.exit(err instanceof ConfigError ? 2 : 1)
  },
)
