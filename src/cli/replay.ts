// `replay [--projection NAME]...`: rebuilds read models from the event log and swaps them in while
// the API keeps serving the old tables; with a progress bar on a terminal, log lines otherwise.
import { parseArgs } from 'node:util'
import type { Kysely } from 'kysely'
import pino, { type Logger } from 'pino'
import { PROJECTIONS } from '../../projections/index.js'
import type { Config } from '../config.js'
import { openDatabase } from '../db/database.js'
import type { DB } from '../db/tables.js'
import { encodePosition, START } from '../eventstore/position.js'
import { countLogAfter } from '../eventstore/reader.js'
import { progressBar } from '../projector/progress-bar.js'
import type { Projection } from '../projector/projection.js'
import { sweepScratchSchemas } from '../projector/rebuild.js'
import { replayProjections } from '../projector/replay.js'
import { prepareDatabase } from '../service.js'

/** The projections named on the command line (all when none is), or the unknown name. */
export function selectProjections(names: string[] | undefined): Projection[] | string {
  if (!names?.length) return [...PROJECTIONS]
  const unknown = names.find((n) => !PROJECTIONS.some((p) => p.name === n))
  if (unknown !== undefined) {
    return `unknown projection '${unknown}' (known: ${PROJECTIONS.map((p) => p.name).join(', ')})`
  }
  return PROJECTIONS.filter((p) => names.includes(p.name))
}

export async function replay(args: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { projection: { type: 'string', multiple: true } },
  })
  const selected = selectProjections(values.projection)
  if (typeof selected === 'string') {
    process.stderr.write(`rental-ledger replay: ${selected}\n`)
    return 2
  }
  const logger = pino({ level: config.LOG_LEVEL })
  const database = await openDatabase(config)
  try {
    await prepareDatabase(config, database)
    const db = database.db
    for (const p of selected) await sweepScratch(db, p, logger)
    // Every event moves every projection's checkpoint, so the whole log is the work to do: read
    // once for all of them.
    const total = await countLogAfter(db, START)
    const label = `replay ${selected.map((p) => p.name).join(', ')}`
    const bar = progressBar({ label, total, log: (l) => logger.info(l) })
    const results = await replayProjections(db, selected, { onProgress: (n) => bar.tick(n) })
    bar.stop()
    for (const { projection, position } of results) {
      logger.info(
        { projection, position: encodePosition(position) },
        `${projection}: rebuilt from the log and swapped in`,
      )
    }
    return 0
  } finally {
    await database.close()
  }
}

/** Drops what killed replays and verifies left behind, and says so. */
export async function sweepScratch(db: Kysely<DB>, p: Projection, logger: Logger): Promise<void> {
  const dropped = await sweepScratchSchemas(db, p)
  if (dropped.length > 0) {
    logger.info({ schemas: dropped }, `${p.name}: dropped scratch schemas left by interrupted runs`)
  }
}
