import { parseArgs } from 'node:util'
import pino from 'pino'
import { type Bus, startBus } from '../bus/index.js'
import { type Config, ConfigError } from '../config.js'
import { openDatabase } from '../db/database.js'
import { prepareDatabase } from '../db/prepare.js'
import { startHealthListener } from '../http/health-listener.js'
import { ProjectionProgress } from '../projector/progress.js'
import { stopOnSignal } from './lifecycle.js'

export async function relay(args: string[], config: Config): Promise<number | undefined> {
  parseArgs({ args, options: {} })
  if (!config.NATS_URL)
    throw new ConfigError('invalid setting NATS_URL (missing): the relay publishes to NATS')
  const log = pino({ level: config.LOG_LEVEL })
  const database = await openDatabase(config)
  await prepareDatabase(config, database)
  let bus: Bus | undefined
  // Listening before NATS answers: liveness is the process; readiness waits for the bus.
  const health = await startHealthListener(config, database, {
    nats: async () => {
      if (!bus) throw new Error('connecting to NATS')
      await bus.check()
    },
    relay: async () => bus?.relay?.check(config.STALL_AFTER_SECONDS),
  })
  bus = await startBus(config, database, new ProjectionProgress(), {
    relay: true,
    projections: [],
    log,
  })
  log.info(
    { stream: config.NATS_PREFIX, health: config.HEALTH_PORT },
    'relay started: waiting to lead',
  )
  const started = bus
  stopOnSignal(log, async () => {
    await health?.close()
    await started.stop()
    await database.close()
  })
  return undefined
}
