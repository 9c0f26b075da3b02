// `replay`: rebuild projections beside the live ones (one read of the log for all), then swap each
// in with its live one in one transaction under the projection's lock. Queries keep reading the old
// tables until the swap commits; workers' next batch reads the rebuilt checkpoint and skips what it
// already holds.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/tables.js'
import type { Position } from '../eventstore/position.js'
import { lockProjection, notifyProgress } from './apply-batch.js'
import type { Projection } from './projection.js'
import {
  catchUpIn,
  dropSchema,
  type RebuildOptions,
  rebuildAll,
  scratchSchemaName,
  withScratchToken,
} from './rebuild.js'

export interface ReplayResult {
  projection: string
  /** The checkpoint the live read model now has. */
  position: Position
}

export async function replayProjection(
  db: Kysely<DB>,
  projection: Projection,
  options: RebuildOptions = {},
): Promise<ReplayResult> {
  const [result] = await replayProjections(db, [projection], options)
  return result!
}

/** Rebuilds `projections` from one read of the log, then swaps each in. */
export async function replayProjections(
  db: Kysely<DB>,
  projections: readonly Projection[],
  options: RebuildOptions = {},
): Promise<ReplayResult[]> {
  return withScratchToken(db, async (token) => {
    const targets = projections.map((projection) => ({
      projection,
      schema: scratchSchemaName(projection, 'r', token),
      old: scratchSchemaName(projection, 'old', token),
    }))
    const results: ReplayResult[] = []
    try {
      await rebuildAll(db, targets, options)
      for (const { projection, schema: scratch, old } of targets) {
        const live = projection.schema
        const position = await db.transaction().execute(async (trx) => {
          // No batch can commit into the live schema from here to the commit: what was appended
          // since the rebuild is applied to the scratch schema, which then takes the live one's name.
          await lockProjection(trx, live)
          const caughtUp = await catchUpIn(trx, projection, scratch)
          await sql`ALTER SCHEMA ${sql.id(live)} RENAME TO ${sql.id(old)}`.execute(trx)
          await sql`ALTER SCHEMA ${sql.id(scratch)} RENAME TO ${sql.id(live)}`.execute(trx)
          // Delivered on commit: API processes learn the rebuilt position after the swap.
          await notifyProgress(trx, projection.name, caughtUp)
          return caughtUp
        })
        results.push({ projection: projection.name, position })
      }
    } catch (err) {
      // Each swap is one transaction: a live schema is either untouched or swapped whole; what
      // was not swapped in is dropped (a swapped one's scratch name no longer exists).
      for (const t of targets) await dropSchema(db, t.schema).catch(() => {})
      throw err
    }
    // Waits for queries still reading the old tables, which new queries no longer resolve to.
    for (const t of targets) await dropSchema(db, t.old)
    return results
  })
}
