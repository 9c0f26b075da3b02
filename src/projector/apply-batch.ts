// One batch, one transaction: the read-model changes, the per-stream versions and the checkpoint,
// advanced only from the value it was read at (compare-and-set). Whoever feeds the batch acks it
// only after this commits; events at or below the checkpoint (redeliveries) are skipped.
import { type Kysely, sql, type Transaction } from 'kysely'
import { withSessionLock } from '../db/session-lock.js'
import type { DB } from '../db/tables.js'
import { comparePositions, encodePosition, type Position } from '../eventstore/position.js'
import type { StoredEvent } from '../eventstore/reader.js'
import { categoryOf, type Projection } from './projection.js'

export const PROGRESS_CHANNEL = 'rental_ledger_projections'

/** An event arrived out of order for its stream: something upstream is broken. Stop loudly. */
export class StreamGapError extends Error {
  constructor(projection: string, e: StoredEvent, expected: number) {
    super(
      `projection ${projection}: event ${e.eventId} is version ${e.streamVersion} of ${e.streamId}, expected ${expected}`,
    )
    this.name = 'StreamGapError'
  }
}

/** Another worker advanced the checkpoint first: this batch was rolled back. */
export class CheckpointConflictError extends Error {
  override name = 'CheckpointConflictError'
}

const lockKey = (schema: string) => sql`hashtext(${`projection:${schema}`})`

/** Held until the transaction ends; taken by every writer of a projection schema. */
export async function lockProjection(trx: Transaction<DB>, schema: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${lockKey(schema)})`.execute(trx)
}

/**
 * The same lock, held by one session across `fn` (several transactions, or none): for a long
 * read (verify's comparison) that must not keep a write transaction open, since an open
 * transaction id holds back every reader of the log.
 */
export function withProjectionLocked<T>(
  db: Kysely<DB>,
  schema: string,
  fn: (conn: Kysely<DB>) => Promise<T>,
): Promise<T> {
  return withSessionLock(db, `projection:${schema}`, fn)
}

export async function readCheckpoint(db: Kysely<DB>, schema: string): Promise<Position> {
  const row = await db
    .withSchema(schema)
    .selectFrom('checkpoint')
    .select([sql<string>`transaction_id::text`.as('tx'), 'global_position'])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow()
  return { transactionId: BigInt(row.tx), globalPosition: row.global_position }
}

export function applyBatch(
  db: Kysely<DB>,
  projection: Projection,
  events: readonly StoredEvent[],
  schema = projection.schema,
  notify = true,
): Promise<Position> {
  return db.transaction().execute((trx) => applyBatchIn(trx, projection, events, schema, notify))
}

/** applyBatch within a transaction the caller holds (a replay's swap, a verify's catch-up). */
export async function applyBatchIn(
  trx: Transaction<DB>,
  projection: Projection,
  events: readonly StoredEvent[],
  schema = projection.schema,
  notify = true,
): Promise<Position> {
  // One writer per projection schema at a time: racing workers queue here instead of failing
  // the compare-and-set, and a replay's swap cannot interleave with a batch.
  await lockProjection(trx, schema)
  const from = await readCheckpoint(trx, schema)
  const fresh = events.filter((e) => comparePositions(e.position, from) > 0)
  if (fresh.length === 0) return from
  const to = fresh[fresh.length - 1]!.position
  const mine = fresh.filter((e) => projection.categories.includes(categoryOf(e.streamId)))
  const s = trx.withSchema(schema)
  if (mine.length > 0) {
    const seen = await streamVersions(trx, schema, mine)
    for (const e of mine) {
      const expected = (seen.get(e.streamId) ?? 0) + 1
      if (e.streamVersion !== expected) throw new StreamGapError(projection.name, e, expected)
      seen.set(e.streamId, e.streamVersion)
    }
    await projection.apply(s, mine)
    await s
      .insertInto('stream_versions')
      .values([...seen].map(([stream_id, version]) => ({ stream_id, version })))
      .onConflict((oc) => oc.column('stream_id').doUpdateSet({ version: sql`excluded.version` }))
      .execute()
  }
  const moved = await s
    .updateTable('checkpoint')
    .set({
      transaction_id: to.transactionId.toString(),
      global_position: to.globalPosition,
      updated_at: sql`now()`,
    })
    .where('id', '=', 1)
    .where(sql<boolean>`transaction_id = ${from.transactionId.toString()}::xid8`)
    .where('global_position', '=', from.globalPosition)
    .returning('id')
    .executeTakeFirst()
  if (!moved) throw new CheckpointConflictError(`projection ${projection.name} moved meanwhile`)
  if (notify) await notifyProgress(trx, projection.name, to)
  return to
}

/** Tells every process (ProjectionProgress) that `name` has reached `position`; sent on commit. */
export async function notifyProgress(
  trx: Transaction<DB>,
  name: string,
  position: Position,
): Promise<void> {
  await sql`SELECT pg_notify(${PROGRESS_CHANNEL}, ${`${name} ${encodePosition(position)}`})`.execute(
    trx,
  )
}

async function streamVersions(
  db: Kysely<DB>,
  schema: string,
  events: readonly StoredEvent[],
): Promise<Map<string, number>> {
  const ids = [...new Set(events.map((e) => e.streamId))]
  const rows = await db
    .withSchema(schema)
    .selectFrom('stream_versions')
    .select(['stream_id', 'version'])
    .where('stream_id', 'in', ids)
    .execute()
  return new Map(rows.map((r) => [r.stream_id, r.version]))
}
