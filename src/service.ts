// Assembles a running service from its parts: database, read-model schemas, projection feeding,
// HTTP app. `serve` and the tests build it the same way.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { PROJECTIONS } from '../projections/index.js'
import { ChainWriter } from './audit/chain-writer.js'
import { loadSigningKey } from './audit/signing.js'
import { type Bus, startBus } from './bus/index.js'
import type { CommandDeps } from './commands/execute.js'
import type { Config } from './config.js'
import type { Database } from './db/database.js'
import { listen } from './db/listen.js'
import { prepareDatabase } from './db/prepare.js'
import { buildApp } from './http/app.js'
import type { AppDeps } from './http/deps.js'
import { PROGRESS_CHANNEL, readCheckpoint } from './projector/apply-batch.js'
import { InProcessFeeder } from './projector/in-process.js'
import { ProjectionProgress } from './projector/progress.js'

export function commandDeps(
  config: Config,
  database: Database,
  clock = () => new Date(),
): CommandDeps {
  return {
    db: database.db,
    clock,
    plan: config.PRICE_PLAN,
    limits: { maxOpenRentals: config.MAX_OPEN_RENTALS, maxOwedCents: config.MAX_OWED_CENTS },
    flushesInFlight: config.COMMAND_FLUSHES_IN_FLIGHT,
  }
}

/** JWT_SECRET, or (outside production) one generated once and kept in DATA_DIR. */
export function resolveJwtSecret(config: Config): string {
  if (config.JWT_SECRET) return config.JWT_SECRET
  const file = join(config.DATA_DIR, 'jwt-secret')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(config.DATA_DIR, { recursive: true })
  const secret = randomBytes(48).toString('base64url')
  writeFileSync(file, secret, { mode: 0o600, flag: 'wx' })
  return secret
}

/** Every command's checks before it touches the log (src/db/prepare.ts). */
export { prepareDatabase }

/** The audit chain's writer as configured (`serve` with workers, and `project`); not started. */
export function startChainWriter(
  config: Config,
  database: Database,
  log: pino.Logger,
): ChainWriter {
  return new ChainWriter(database, {
    key: loadSigningKey(config.AUDIT_SIGNING_KEY),
    headIntervalMs: config.AUDIT_HEAD_INTERVAL_SECONDS * 1000,
    log,
  })
}

export interface Service {
  app: FastifyInstance
  progress: ProjectionProgress
  feeder: InProcessFeeder | undefined
  bus: Bus | undefined
  /** The audit chain's writer (a standby unless it holds the chain's lock); with the workers. */
  chain: ChainWriter | undefined
  close(): Promise<void>
}

export interface ServiceOptions {
  clock?: () => Date
  logger?: AppDeps['logger']
  /**
   * Who builds the read models in this process: 'in-process' reads the log directly (no NATS),
   * 'nats' runs the relay and the projection workers over JetStream, 'off' leaves it to others.
   */
  workers: 'in-process' | 'nats' | 'off'
  /** Where the workers, the relay and the chain writer log; by default pino at LOG_LEVEL. */
  log?: pino.Logger
}

/** What `serve` runs beside the API, from WORKERS and NATS_URL. */
export function workersMode(
  config: Pick<Config, 'WORKERS' | 'NATS_URL'>,
): ServiceOptions['workers'] {
  if (config.WORKERS === 'off') return 'off'
  return config.NATS_URL ? 'nats' : 'in-process'
}

export async function startService(
  config: Config,
  database: Database,
  options: ServiceOptions,
): Promise<Service> {
  await prepareDatabase(config, database)
  const progress = new ProjectionProgress()
  const log = options.log ?? pino({ level: config.LOG_LEVEL })
  const readCheckpoints = async () => {
    for (const p of PROJECTIONS) {
      progress.advance(p.name, await readCheckpoint(database.db, p.schema))
    }
  }
  // Whoever applies a batch announces it; an API without feeders of its own learns progress so.
  // An empty payload is the listener's own: it listens (again), and whatever was announced while
  // it did not is read from the checkpoints.
  const unlisten = await listen(database, PROGRESS_CHANNEL, (p) => {
    if (p) return progress.onNotification(p)
    readCheckpoints().catch((err) => log.warn({ err }, 'reading the projections’ checkpoints'))
  })
  await readCheckpoints()
  const feeder =
    options.workers === 'in-process'
      ? new InProcessFeeder(database, PROJECTIONS, progress, { log })
      : undefined
  await feeder?.start()
  const bus = config.NATS_URL
    ? await startBus(config, database, progress, {
        relay: options.workers === 'nats',
        projections: options.workers === 'nats' ? PROJECTIONS : [],
        log,
      })
    : undefined
  const chain = options.workers === 'off' ? undefined : startChainWriter(config, database, log)
  await chain?.start()
  const app = await buildApp({
    config: { ...config, JWT_SECRET: resolveJwtSecret(config) },
    database,
    commands: commandDeps(config, database, options.clock),
    progress,
    logger: options.logger,
    readiness: {
      ...(feeder && {
        projections: async () => {
          if (feeder.error) throw feeder.error
        },
      }),
      ...(bus && { nats: () => bus.check() }),
      ...(chain && {
        auditChain: async () => {
          if (chain.error) throw chain.error
        },
      }),
    },
  })
  return {
    app,
    progress,
    feeder,
    bus,
    chain,
    close: async () => {
      await app.close()
      await chain?.stop()
      await feeder?.stop()
      await bus?.stop()
      await unlisten()
    },
  }
}
