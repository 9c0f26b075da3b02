// A projection rebuilt from the event log (never from NATS, whose retention is bounded) into a
// scratch schema beside the live one. Replay swaps it in; verify compares it with the live one.
import { randomBytes } from 'node:crypto'
import { type Kysely, sql, type Transaction } from 'kysely'
import { isEmbedded } from '../db/database.js'
import { ifSessionLockFree, withSessionLock } from '../db/session-lock.js'
import type { DB } from '../db/tables.js'
import { comparePositions, type Position, START } from '../eventstore/position.js'
import { readChangesFrom, readLog } from '../eventstore/reader.js'
import { applyBatchIn, readCheckpoint, StreamGapError } from './apply-batch.js'
import { BulkWriter } from './bulk-load.js'
import { type BulkTable, categoryOf, type Projection } from './projection.js'
import { createProjectionSchema } from './schema.js'

export interface RebuildOptions {
  /** Events per transaction while rebuilding. */
  pageSize?: number
  /** Called after each page with the number of events it held; awaited (tests act mid-rebuild). */
  onProgress?: (events: number) => void | Promise<void>
}

/**
 * Scratch schemas are named `<live schema>_<kind><token>`: `r` a replay's rebuild, `v` a verify's,
 * `old` the live tables a replay swapped out. A token is owned by the process that made it for as
 * long as it holds the session lock `scratch:<token>`, which the server releases when the process
 * dies; so a scratch schema whose lock is free was left by a killed run, and can go.
 */
export function scratchSchemaName(
  projection: Projection,
  kind: ScratchKind,
  token: string,
): string {
  return `${projection.schema}_${kind}${token}`
}
type ScratchKind = 'r' | 'v' | 'old'

/** Runs `fn` with a fresh scratch token this process owns until `fn` settles. */
export function withScratchToken<T>(db: Kysely<DB>, fn: (token: string) => Promise<T>): Promise<T> {
  const token = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
  // Embedded: no other process can open the database, nothing to guard (and nothing to pin).
  if (isEmbedded(db)) return fn(token)
  return withSessionLock(db, `scratch:${token}`, () => fn(token))
}

/** Drops the scratch schemas of `projection` that no running process owns; returns their names. */
export async function sweepScratchSchemas(
  db: Kysely<DB>,
  projection: Projection,
): Promise<string[]> {
  const { rows } = await sql<{ nspname: string }>`
    SELECT nspname FROM pg_namespace WHERE starts_with(nspname, ${`${projection.schema}_`})
    ORDER BY nspname`.execute(db)
  const pattern = new RegExp(`^${projection.schema}_(?:r|v|old)([0-9a-z]+)$`)
  const dropped: string[] = []
  for (const { nspname } of rows) {
    const token = pattern.exec(nspname)?.[1]
    if (token === undefined) continue
    const drop = () => dropSchema(db, nspname).then(() => dropped.push(nspname))
    if (isEmbedded(db)) await drop()
    else await ifSessionLockFree(db, `scratch:${token}`, drop)
  }
  return dropped
}

export interface RebuildTarget {
  projection: Projection
  /** the scratch schema it is rebuilt into */
  schema: string
}

/** Creates `scratch` and builds the projection from the whole log in it; returns its checkpoint. */
export function rebuildInto(
  db: Kysely<DB>,
  projection: Projection,
  scratch: string,
  options: RebuildOptions = {},
): Promise<Position> {
  return rebuildAll(db, [{ projection, schema: scratch }], options)
}

/**
 * Builds every target from one read of the log, as a bulk load: the log is read in order once,
 * each projection folds its events in memory with its own pure code (checking every stream's
 * versions as a batch would), and its rows are loaded as the fold hands them over (rows no later
 * event can change, while the log is read; the rest after its end), indexes built after the rows.
 * Returns the checkpoint every target now holds.
 */
export async function rebuildAll(
  db: Kysely<DB>,
  targets: readonly RebuildTarget[],
  options: RebuildOptions = {},
): Promise<Position> {
  const folds = targets.map((t) => {
    const writer = new BulkWriter(db, t.schema)
    const load = t.projection.bulk((table, row) => writer.add(table, row))
    return { ...t, writer, load, versions: new Map<string, number>() }
  })
  for (const t of targets) await createProjectionSchema(db, t.projection, t.schema)
  let position = START
  try {
    for await (const page of readChangesFrom(db, START, options.pageSize ?? 2000)) {
      for (const e of page) {
        const category = categoryOf(e.streamId)
        for (const f of folds) {
          if (!f.projection.categories.includes(category)) continue
          const expected = (f.versions.get(e.streamId) ?? 0) + 1
          if (e.streamVersion !== expected) throw new StreamGapError(f.projection.name, e, expected)
          f.versions.set(e.streamId, e.streamVersion)
          f.load.add(e)
        }
      }
      for (const f of folds) await f.writer.flush()
      position = page[page.length - 1]!.position
      await options.onProgress?.(page.length)
    }
    for (const f of folds) {
      const { rest } = f.load.finish()
      for (const [stream_id, version] of f.versions) {
        f.writer.add(STREAM_VERSIONS, { stream_id, version })
      }
      await f.writer.end()
      await rest(db.withSchema(f.schema))
      await db
        .withSchema(f.schema)
        .updateTable('checkpoint')
        .set({
          transaction_id: position.transactionId.toString(),
          global_position: position.globalPosition,
        })
        .where('id', '=', 1)
        .execute()
    }
  } catch (err) {
    for (const f of folds) await f.writer.abort(err as Error)
    throw err
  }
  return position
}

const STREAM_VERSIONS: BulkTable = {
  table: 'stream_versions',
  columns: { stream_id: 'text', version: 'integer' },
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
    position = await applyBatchIn(trx, projection, wanted, { schema, notify: false })
    if (wanted.length < pageSize) return position
  }
}

export async function dropSchema(db: Kysely<DB>, schema: string): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(db)
}
