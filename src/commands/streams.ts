// Reading a stream's decision state and turning decided events into an append, for every handler.
import { randomUUID } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/tables.js'
import type { EventMetadata, NewEvent, StreamAppend } from '../eventstore/append.js'
import type { Position } from '../eventstore/position.js'

export interface Loaded<S> {
  streamId: string
  version: number
  state: S
}

/** The append for `events` decided on `loaded`, carrying the state they lead to. */
export function appendFor<S, E extends { type: string; data: unknown }>(
  loaded: Loaded<S>,
  events: readonly E[],
  evolve: (s: S, e: E) => S,
  metadata: EventMetadata,
  eventIds: readonly string[] = [],
): StreamAppend {
  return {
    streamId: loaded.streamId,
    expectedVersion: loaded.version,
    events: events.map(
      (e, i): NewEvent => ({
        eventId: eventIds[i] ?? randomUUID(),
        type: e.type,
        data: e.data,
        metadata,
      }),
    ),
    state: events.reduce(evolve, loaded.state),
    callerChosenIds: eventIds.length > 0,
  }
}

/** Where the stream's latest event stands in the log. */
export async function streamPosition(db: Kysely<DB>, streamId: string): Promise<Position> {
  const row = await db
    .selectFrom('events')
    .select([sql<string>`transaction_id::text`.as('tx'), 'global_position'])
    .where('stream_id', '=', streamId)
    .orderBy('stream_version', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow()
  return { transactionId: BigInt(row.tx), globalPosition: row.global_position }
}
