import { parseArgs } from 'node:util'
import pino from 'pino'
import type { Config } from '../config.js'
import { openDatabase } from '../db/database.js'
import { startService, workersMode } from '../service.js'
import { stopOnSignal } from './lifecycle.js'

export async function serve(args: string[], config: Config): Promise<number | undefined> {
  parseArgs({ args, options: {} })
  const log = pino({ level: config.LOG_LEVEL })
  const database = await openDatabase(config)
  const workers = workersMode(config)
  const service = await startService(config, database, {
    logger: { level: config.LOG_LEVEL },
    workers,
  })
  const address = await service.app.listen({ host: config.HOST, port: config.PORT })
  log.info(
    {
      address,
      database: database.kind === 'pglite' ? `embedded in ${config.DATA_DIR}` : 'postgres',
      workers,
    },
    `rental-ledger is serving: try ${address}/docs`,
  )
  if (process.stdout.isTTY) process.stdout.write(`\n  API docs: ${address}/docs\n\n`)
  stopOnSignal(log, async () => {
    await service.close()
    await database.close()
  })
  return undefined
}
