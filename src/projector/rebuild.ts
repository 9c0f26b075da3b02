// A projection rebuilt from the event log (never from NATS, whose retention is bounded) into a
// scratch schema beside the live one. Replay swaps it in; verify compares it with the live one.
import { randomBytes } from 'node:crypto'
import { type Kysely, sql, type Transaction } from 'kysely'
import type { DB } from '../db/tables.js'
import { comparePositions, type Position, START } from '../eventstore/position.js'
import { readLog, readLogFrom } from '../eventstore/reader.js'
import { applyBatch, applyBatchIn, readCheckpoint } from './apply-batch.js'
import type { Projection } from './projection.js'
import { createProjectionSchema } from './schema.js'

export interface RebuildOptions {
  /** Events per transaction while rebuilding. */
  pageSize?: number
  /** Called after each page with the number of events it held; awaited (tests act mid-rebuild). */
  onProgress?: (events: number) => void | Promise<void>
}

/** `proj_x_r<time><random>`: unique, and recognisable as a replay's (`r`) or verify's (`v`). */
export function scratchSchemaName(projection: Projection, kind: 'r' | 'v' | 'old'): string {
  return `${projection.schema}_${kind}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
}

/** Creates `scratch` and applies the whole log to it, page by page; returns its checkpoint. */
export async function rebuildInto(
  db: Kysely<DB>,
  projection: Projection,
  scratch: string,
  options: RebuildOptions = {},
): Promise<Position> {
  await createProjectionSchema(db, projection, scratch)
  let position = START
  for await (const page of readLogFrom(db, START, options.pageSize ?? 2000)) {
    position = await applyBatch(db, projection, page, scratch, false)
    await options.onProgress?.(page.length)
  }
  return position
}

/**
 * Applies to `schema`, in the caller's transaction, what the log holds after its checkpoint, up to
 * and including `until` when given (never past it), else to the head. Returns the new checkpoint.
 */
export async function catchUpIn(
  trx: Transaction<DB>,
  projection: Projection,
  schema: string,
  until?: Position,
  pageSize = 2000,
): Promise<Position> {
  let position = await readCheckpoint(trx, schema)
  for (;;) {
    const page = await readLog(trx, { after: position, limit: pageSize })
    const wanted = until ? page.filter((e) => comparePositions(e.position, until) <= 0) : page
    if (wanted.length === 0) return position
    position = await applyBatchIn(trx, projection, wanted, schema, false)
    if (wanted.length < pageSize) return position
  }
}

export async function dropSchema(db: Kysely<DB>, schema: string): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(db)
}
