import { parseArgs } from 'node:util'
import pino from 'pino'
import { startBus } from '../bus/index.js'
import { type Config, ConfigError } from '../config.js'
import { openDatabase } from '../db/database.js'
import { ProjectionProgress } from '../projector/progress.js'
import { prepareDatabase } from '../service.js'
import { stopOnSignal } from './lifecycle.js'

export async function relay(args: string[], config: Config): Promise<number | undefined> {
  parseArgs({ args, options: {} })
  if (!config.NATS_URL)
    throw new ConfigError('invalid setting NATS_URL (missing): the relay publishes to NATS')
  const log = pino({ level: config.LOG_LEVEL })
  const database = await openDatabase(config)
  await prepareDatabase(config, database)
  const bus = await startBus(config, database, new ProjectionProgress(), {
    relay: true,
    projections: [],
    log,
  })
  log.info({ stream: config.NATS_PREFIX }, 'relay started: waiting to lead')
  stopOnSignal(log, async () => {
    await bus.stop()
    await database.close()
  })
  return undefined
}
