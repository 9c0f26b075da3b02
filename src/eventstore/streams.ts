import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../db/tables.js'

export interface StreamSnapshot<S> {
  /** 0 when the stream does not exist */
  version: number
  state: S | null
}

/** The stream's version and decision state: one row, whatever the stream's length. */
export async function loadStream<S>(
  db: Kysely<DB> | Transaction<DB>,
  streamId: string,
): Promise<StreamSnapshot<S>> {
  const row = await db
    .selectFrom('streams')
    .select(['version', 'state'])
    .where('stream_id', '=', streamId)
    .executeTakeFirst()
  return row ? { version: row.version, state: row.state as S } : { version: 0, state: null }
}
