// `replay`: rebuild a projection beside the live one, then swap the two in one transaction under
// the projection's lock. Queries keep reading the old tables until the swap commits; workers'
// next batch reads the rebuilt checkpoint and skips what it already holds.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/tables.js'
import type { Position } from '../eventstore/position.js'
import { lockProjection, notifyProgress } from './apply-batch.js'
import type { Projection } from './projection.js'
import {
  catchUpIn,
  dropSchema,
  type RebuildOptions,
  rebuildInto,
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
  return withScratchToken(db, async (token) => {
    const live = projection.schema
    const scratch = scratchSchemaName(projection, 'r', token)
    const old = scratchSchemaName(projection, 'old', token)
    let position: Position
    try {
      await rebuildInto(db, projection, scratch, options)
      position = await db.transaction().execute(async (trx) => {
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
    } catch (err) {
      // The live schema is untouched (the swap is one transaction): only the scratch goes.
      await dropSchema(db, scratch).catch(() => {})
      throw err
    }
    // Waits for queries still reading the old tables, which new queries no longer resolve to.
    await dropSchema(db, old)
    return { projection: projection.name, position }
  })
}
