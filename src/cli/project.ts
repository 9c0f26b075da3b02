import { parseArgs } from 'node:util'
import pino from 'pino'
import { PROJECTIONS } from '../../projections/index.js'
import { startBus } from '../bus/index.js'
import { type Config, ConfigError } from '../config.js'
import { openDatabase } from '../db/database.js'
import { prepareDatabase } from '../db/prepare.js'
import { startHealthListener } from '../http/health-listener.js'
import { InProcessFeeder } from '../projector/in-process.js'
import { ProjectionProgress } from '../projector/progress.js'
import { projectionsNotStalled } from '../projector/status.js'
import { startChainWriter } from '../service.js'
import { stopOnSignal } from './lifecycle.js'

/** `project [NAME...]`: projection workers, from JetStream, or from the log without NATS_URL. */
export async function project(args: string[], config: Config): Promise<number | undefined> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true })
  const unknown = positionals.filter((n) => !PROJECTIONS.some((p) => p.name === n))
  if (unknown.length > 0) {
    throw new ConfigError(
      `unknown projection ${unknown.join(', ')}; known: ${PROJECTIONS.map((p) => p.name).join(', ')}`,
    )
  }
  const chosen = positionals.length
    ? PROJECTIONS.filter((p) => positionals.includes(p.name))
    : PROJECTIONS
  const log = pino({ level: config.LOG_LEVEL })
  const database = await openDatabase(config)
  await prepareDatabase(config, database)
  const progress = new ProjectionProgress()
  // Readiness: the feeding works (NATS answers, no worker stopped on an error) and no projection
  // of this process is stalled. Listening before NATS answers: liveness is the process.
  let feeding: (() => Promise<void>) | undefined
  const health = await startHealthListener(config, database, {
    feeding: async () => {
      if (!feeding) throw new Error('starting')
      await feeding()
    },
    projections: projectionsNotStalled(database.db, chosen, config.STALL_AFTER_SECONDS),
  })
  const fatal = (err: Error) => {
    log.fatal({ err }, 'a projection stopped on an error it must not step over')
    process.exit(3)
  }
  let stop: () => Promise<void>
  if (config.NATS_URL) {
    const bus = await startBus(config, database, progress, {
      relay: false,
      projections: chosen,
      log,
      onFatal: fatal,
    })
    feeding = () => bus.check()
    stop = () => bus.stop()
  } else {
    const feeder = new InProcessFeeder(database, chosen, progress, { log })
    await feeder.start()
    feeding = async () => {
      if (feeder.error) throw feeder.error
    }
    stop = () => feeder.stop()
  }
  // The audit chain follows the log beside the projections (one writer at a time: a lock).
  const chain = startChainWriter(config, database, log)
  await chain.start()
  const stopWorkers = stop
  stop = async () => {
    await health?.close()
    await chain.stop()
    await stopWorkers()
  }
  log.info(
    {
      projections: chosen.map((p) => p.name),
      via: config.NATS_URL ? 'nats' : 'log',
      health: config.HEALTH_PORT,
    },
    'projection workers started',
  )
  stopOnSignal(log, async () => {
    await stop()
    await database.close()
  })
  return undefined
}
