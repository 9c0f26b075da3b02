import { type Kysely, sql, type Transaction } from 'kysely'
import type { DB } from '../db/tables.js'
import { ConcurrencyError } from './errors.js'

export interface StreamSnapshot<S> {
  /** 0 when the stream does not exist */
  version: number
  state: S | null
}

/**
 * Each stream's version and decision state: one row a stream, whatever its length; one query.
 *
 * With `lock` (in a transaction that has written nothing yet) the streams are locked for the rest
 * of the transaction, and what is read is what an append may build on. The transaction takes its
 * id, and so its place in the log order, with its first row lock; a stream whose lock it then waits
 * for may meanwhile be written by a transaction with a younger id, and an append on top of that
 * would list the later stream version before the earlier one (DESIGN.md, "Event store"). So:
 * advisory locks first, in one order (they give no transaction id: lockers queue for each other
 * before they have one), then the rows, in the order appends lock them; and if a locked stream's
 * last event is younger than this transaction all the same (a one-statement append slipped in
 * between), a ConcurrencyError: the caller decides again in a new transaction.
 */
export async function loadStreams(
  db: Kysely<DB> | Transaction<DB>,
  streamIds: readonly string[],
  { lock = false } = {},
): Promise<Map<string, StreamSnapshot<unknown>>> {
  const query = db
    .selectFrom('streams')
    .select(['stream_id', 'version', 'state'])
    .where('stream_id', 'in', streamIds)
  let rows: { stream_id: string; version: number; state: unknown }[]
  if (lock) {
    await sql`SELECT pg_advisory_xact_lock(k) FROM (
                SELECT DISTINCT hashtextextended(id, 0) AS k FROM unnest(${streamIds}::text[]) AS id
                ORDER BY k) AS keys`.execute(db)
    rows = await query.orderBy(sql`stream_id COLLATE "C"`).forUpdate().execute()
    const { rows: younger } = await sql<{ stream_id: string }>`
      SELECT s.stream_id FROM unnest(${rows.map((r) => r.stream_id)}::text[]) AS s(stream_id)
      CROSS JOIN LATERAL (
        SELECT transaction_id FROM events e WHERE e.stream_id = s.stream_id
        ORDER BY e.stream_version DESC LIMIT 1) AS last
      WHERE last.transaction_id > pg_current_xact_id_if_assigned()
      LIMIT 1`.execute(db)
    const moved = rows.find((r) => r.stream_id === younger[0]?.stream_id)
    if (moved) throw new ConcurrencyError(moved.stream_id, moved.version)
  } else rows = await query.execute()
  const found = new Map(rows.map((r) => [r.stream_id, r]))
  return new Map(
    streamIds.map((id) => {
      const row = found.get(id)
      return [id, row ? { version: row.version, state: row.state } : { version: 0, state: null }]
    }),
  )
}

/** One stream's version and decision state. */
export async function loadStream<S>(
  db: Kysely<DB> | Transaction<DB>,
  streamId: string,
): Promise<StreamSnapshot<S>> {
  const snap = (await loadStreams(db, [streamId])).get(streamId)!
  return snap as StreamSnapshot<S>
}
