import { parseArgs } from 'node:util'
import pino from 'pino'
import type { Config } from '../config.js'
import { openDatabase } from '../db/database.js'
import { startService } from '../service.js'

export async function serve(args: string[], config: Config): Promise<number | undefined> {
  parseArgs({ args, options: {} })
  const logger = pino({ level: config.LOG_LEVEL })
  const database = await openDatabase(config)
  const service = await startService(config, database, {
    logger: { level: config.LOG_LEVEL },
    feed: config.WORKERS === 'on',
  })
  const address = await service.app.listen({ host: config.HOST, port: config.PORT })
  logger.info(
    {
      address,
      database: database.kind === 'pglite' ? `embedded in ${config.DATA_DIR}` : 'postgres',
      workers: config.WORKERS,
    },
    `rental-ledger is serving: try ${address}/docs`,
  )
  if (process.stdout.isTTY) process.stdout.write(`\n  API docs: ${address}/docs\n\n`)

  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    logger.info({ signal }, 'shutting down: draining requests, finishing the batch')
    try {
      await service.close()
      await database.close()
      process.exit(0)
    } catch (err) {
      logger.error({ err }, 'unclean shutdown')
      process.exit(1)
    }
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
  return undefined
}
