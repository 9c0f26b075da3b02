// Starting and stopping the NATS side of a process: the relay, projection workers, or neither
// (an API that only reports whether the bus is reachable).
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Database } from '../db/database.js'
import type { ProjectionProgress } from '../projector/progress.js'
import type { Projection } from '../projector/projection.js'
import { busNames, connectNats, ensureStream, manager, natsSettings } from './nats.js'
import { Relay } from './relay.js'
import { ProjectionWorker } from './worker.js'

export interface Bus {
  relay: Relay | undefined
  workers: ProjectionWorker[]
  /** Throws unless NATS answers and no worker has stopped on an error. */
  check(): Promise<void>
  stop(): Promise<void>
}

export interface BusOptions {
  relay: boolean
  projections: readonly Projection[]
  log: Logger
  onFatal?: (err: Error) => void
}

export async function startBus(
  config: Pick<
    Config,
    | 'NATS_URL'
    | 'NATS_TOKEN'
    | 'NATS_PREFIX'
    | 'NATS_REPLICAS'
    | 'NATS_ACK_WAIT_MS'
    | 'FAULT_EXIT_AFTER_COMMITS'
  >,
  database: Database,
  progress: ProjectionProgress,
  options: BusOptions,
): Promise<Bus> {
  if (!config.NATS_URL) throw new Error('NATS_URL is not set')
  const names = busNames(config.NATS_PREFIX)
  const nc = await connectNats(config.NATS_URL, `rental-ledger ${process.pid}`, config.NATS_TOKEN)
  const settings = natsSettings(config)
  // Declared by whoever starts first; idempotent, so every role may do it.
  await ensureStream(await manager(nc), names, settings)
  const relay = options.relay
    ? new Relay(database, nc, names, { log: options.log, settings })
    : undefined
  const workers = options.projections.map(
    (p) =>
      new ProjectionWorker(database, nc, names, p, progress, {
        log: options.log,
        onFatal: options.onFatal,
        ackWaitMs: config.NATS_ACK_WAIT_MS,
        exitAfterCommits: config.FAULT_EXIT_AFTER_COMMITS,
      }),
  )
  await relay?.start()
  for (const w of workers) await w.start()
  return {
    relay,
    workers,
    async check() {
      if (nc.isClosed()) throw new Error('NATS connection closed')
      await Promise.race([
        nc.flush(),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('NATS did not answer in 2 s')), 2000).unref(),
        ),
      ])
      const failed = workers.find((w) => w.failure)
      if (failed?.failure) throw failed.failure
    },
    async stop() {
      // Workers first: they finish the batch in hand, commit and ack before the connection goes.
      for (const w of workers) await w.stop()
      await relay?.stop()
      await nc.drain()
    },
  }
}
