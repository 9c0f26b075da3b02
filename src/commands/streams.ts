// Reading a stream's decision state and turning decided events into an append, for every handler.
import { randomUUID } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/tables.js'
import type { EventMetadata, NewEvent, StreamAppend } from '../eventstore/append.js'
import type { Position } from '../eventstore/position.js'
import { loadStreams } from '../eventstore/streams.js'

export interface Loaded<S> {
  streamId: string
  version: number
  state: S
}

export async function load<S>(db: Kysely<DB>, streamId: string, initial: S): Promise<Loaded<S>> {
  const [loaded] = await loadAll(db, [streamId, initial] as const)
  return loaded
}

/** Both streams a command decides on (a book and an account), read in one query. */
export async function loadAll<A, B>(
  db: Kysely<DB>,
  a: readonly [string, A],
  b: readonly [string, B],
): Promise<[Loaded<A>, Loaded<B>]>
export async function loadAll<A>(db: Kysely<DB>, a: readonly [string, A]): Promise<[Loaded<A>]>
export async function loadAll(
  db: Kysely<DB>,
  ...specs: (readonly [string, unknown])[]
): Promise<Loaded<unknown>[]> {
  const snaps = await loadStreams(
    db,
    specs.map(([id]) => id),
  )
  return specs.map(([streamId, initial]) => {
    const snap = snaps.get(streamId)!
    return { streamId, version: snap.version, state: snap.state ?? initial }
  })
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
