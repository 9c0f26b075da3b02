import { type Kysely, sql, type Transaction } from 'kysely'
import type { DB } from '../db/tables.js'

export interface StreamSnapshot<S> {
  /** 0 when the stream does not exist */
  version: number
  state: S | null
}

/**
 * Each stream's version and decision state: one row a stream, whatever its length; one query.
 * With `lock` (in a transaction) the rows are locked, in the order appends lock them.
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
  const rows = lock
    ? await query.orderBy(sql`stream_id COLLATE "C"`).forUpdate().execute()
    : await query.execute()
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
