// Where the relay has got in publishing the log to a stream, kept in PostgreSQL: the relay's own
// truth about its position (never a message read back from the stream), and what any process
// measures the relay's lag by without asking NATS.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/tables.js'
import { type Position, START } from '../eventstore/position.js'

export interface RelayCursor {
  position: Position
  /** the stream sequence of the last event published */
  sequence: number
  /** when the cursor last moved; undefined before the first publish */
  movedAt?: Date
}

export async function loadRelayCursor(db: Kysely<DB>, stream: string): Promise<RelayCursor> {
  const row = await db
    .selectFrom('relay_cursors')
    .select([
      sql<string>`transaction_id::text`.as('tx'),
      'global_position',
      'stream_sequence',
      'updated_at',
    ])
    .where('stream', '=', stream)
    .executeTakeFirst()
  return row
    ? {
        position: { transactionId: BigInt(row.tx), globalPosition: row.global_position },
        sequence: row.stream_sequence,
        movedAt: row.updated_at,
      }
    : { position: START, sequence: 0 }
}

export async function saveRelayCursor(
  db: Kysely<DB>,
  stream: string,
  c: Pick<RelayCursor, 'position' | 'sequence'>,
): Promise<void> {
  const values = {
    transaction_id: c.position.transactionId.toString(),
    global_position: c.position.globalPosition,
    stream_sequence: c.sequence,
  }
  await db
    .insertInto('relay_cursors')
    .values({ stream, ...values })
    .onConflict((oc) => oc.column('stream').doUpdateSet({ ...values, updated_at: sql`now()` }))
    .execute()
}
