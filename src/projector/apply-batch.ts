// One batch, one transaction: the read-model changes, the per-stream versions and the checkpoint,
// advanced only from the value it was read at (compare-and-set). Whoever feeds the batch acks it
// only after this commits; events at or below the checkpoint (redeliveries) are skipped.
import { type Kysely, sql, type Transaction } from 'kysely'
import { recordset } from '../db/recordset.js'
import { withSessionLock } from '../db/session-lock.js'
import type { DB } from '../db/tables.js'
import { encodePosition, type Position } from '../eventstore/position.js'
import type { StoredEvent } from '../eventstore/reader.js'
import { inOrderAfter, type LinkedEvent, linkedFrom } from './order.js'
import { categoryOf, type Projection } from './projection.js'

export const PROGRESS_CHANNEL = 'rental_ledger_projections'

/** An event arrived out of order for its stream: something upstream is broken. Stop loudly. */
export class StreamGapError extends Error {
  constructor(
    projection: string,
    e: Pick<StoredEvent, 'eventId' | 'streamId' | 'streamVersion'>,
    expected: number,
  ) {
    super(
      `projection ${projection}: event ${e.eventId} is version ${e.streamVersion} of ${e.streamId}, expected ${expected}`,
    )
    this.name = 'StreamGapError'
  }
}

/** A batch applied `linkedOnly` was not the log's next events: nothing was applied. */
export class NotLinkedError extends Error {
  constructor(projection: string) {
    super(`projection ${projection}: the batch does not link from the checkpoint`)
    this.name = 'NotLinkedError'
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

export interface BatchOptions {
  /** The schema written: the projection's live one unless a rebuild's scratch. */
  schema?: string
  /** Tell other processes of the new position (live schemas only). */
  notify?: boolean
  /**
   * Apply the batch only if it is, link by link, the log's next events after the checkpoint
   * (messages name their predecessor, src/bus/message.ts); otherwise apply nothing and throw
   * NotLinkedError, for the caller to put the batch in log order (src/bus/in-order.ts).
   */
  linkedOnly?: boolean
}

export function applyBatch(
  db: Kysely<DB>,
  projection: Projection,
  events: readonly LinkedEvent[],
  options: BatchOptions = {},
): Promise<Position> {
  return db.transaction().execute((trx) => applyBatchIn(trx, projection, events, options))
}

/** applyBatch within a transaction the caller holds (a replay's swap, a verify's catch-up). */
export async function applyBatchIn(
  trx: Transaction<DB>,
  projection: Projection,
  events: readonly LinkedEvent[],
  { schema = projection.schema, notify = true, linkedOnly = false }: BatchOptions = {},
): Promise<Position> {
  // One writer per projection schema at a time: racing workers queue here instead of failing
  // the compare-and-set, and a replay's swap cannot interleave with a batch.
  await lockProjection(trx, schema)
  const streams = events.filter((e) => projection.categories.includes(categoryOf(e.streamId)))
  const { from, versions: seen } = await checkpointAndVersions(trx, schema, streams)
  const fresh = inOrderAfter(from, events)
  if (fresh.length === 0) return from
  if (linkedOnly && !linkedFrom(from, fresh)) throw new NotLinkedError(projection.name)
  const to = fresh[fresh.length - 1]!.position
  const mine = fresh.filter((e) => projection.categories.includes(categoryOf(e.streamId)))
  if (mine.length > 0) {
    for (const e of mine) {
      const expected = (seen.get(e.streamId) ?? 0) + 1
      if (e.streamVersion !== expected) throw new StreamGapError(projection.name, e, expected)
      seen.set(e.streamId, e.streamVersion)
    }
    await projection.apply(trx.withSchema(schema), mine)
  }
  // One statement: the streams' last versions, the checkpoint's compare-and-set, and (only if
  // that moved it) the progress notification, delivered on commit.
  const versions = [...seen].map(([stream_id, version]) => ({ stream_id, version }))
  const moved = await trx
    .withSchema(schema)
    .with('versions', (qb) =>
      qb
        .insertInto('stream_versions')
        .columns(['stream_id', 'version'])
        .expression((eb) =>
          eb.selectFrom(recordset('x', VERSION, versions)).select(['x.stream_id', 'x.version']),
        )
        .onConflict((oc) => oc.column('stream_id').doUpdateSet({ version: sql`excluded.version` })),
    )
    .with('moved', (qb) =>
      qb
        .updateTable('checkpoint')
        .set({
          transaction_id: to.transactionId.toString(),
          global_position: to.globalPosition,
          updated_at: sql`now()`,
        })
        .where('id', '=', 1)
        .where(sql<boolean>`transaction_id = ${from.transactionId.toString()}::xid8`)
        .where('global_position', '=', from.globalPosition)
        .returning('id'),
    )
    .selectFrom('moved')
    .select(['moved.id', (notify ? progressNotice(projection.name, to) : sql`NULL`).as('n')])
    .executeTakeFirst()
  if (!moved) throw new CheckpointConflictError(`projection ${projection.name} moved meanwhile`)
  return to
}

const VERSION = { stream_id: 'text', version: 'integer' } as const

/** Tells every process (ProjectionProgress) that `name` has reached `position`; sent on commit. */
export async function notifyProgress(
  trx: Transaction<DB>,
  name: string,
  position: Position,
): Promise<void> {
  await sql`SELECT ${progressNotice(name, position)}`.execute(trx)
}

/** `pg_notify` of `name` having reached `position` (read by ProjectionProgress). */
const progressNotice = (name: string, position: Position) =>
  sql`pg_notify(${PROGRESS_CHANNEL}, ${`${name} ${encodePosition(position)}`})`

/** The checkpoint, and the last version seen of each of `events`' streams: one query. */
async function checkpointAndVersions(
  db: Kysely<DB>,
  schema: string,
  events: readonly StoredEvent[],
): Promise<{ from: Position; versions: Map<string, number> }> {
  const ids = [...new Set(events.map((e) => e.streamId))]
  const { rows } = await sql<{
    tx: string
    global_position: number
    versions: Record<string, number>
  }>`
    SELECT c.transaction_id::text AS tx, c.global_position,
      (SELECT coalesce(jsonb_object_agg(v.stream_id, v.version), '{}'::jsonb)
         FROM ${sql.id(schema, 'stream_versions')} v WHERE v.stream_id = ANY(${ids}::text[])) AS versions
    FROM ${sql.id(schema, 'checkpoint')} c WHERE c.id = 1`.execute(db)
  const row = rows[0]
  if (!row) throw new Error(`projection schema ${schema} has no checkpoint`)
  return {
    from: { transactionId: BigInt(row.tx), globalPosition: row.global_position },
    versions: new Map(Object.entries(row.versions)),
  }
}
