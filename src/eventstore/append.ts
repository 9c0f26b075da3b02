// The only code that writes events. See DESIGN.md, "Event store" and "Log order".
import { sql, type Transaction } from 'kysely'
import type { DB } from '../db/tables.js'
import { eventsAppended } from '../metrics.js'
import { ConcurrencyError, PartialDuplicateError } from './errors.js'
import type { Position } from './position.js'

export interface EventMetadata {
  actor?: string
  correlationId?: string
  causationId?: string
  idempotencyKey?: string
  [key: string]: unknown
}

export interface NewEvent {
  /** Chosen by the caller, deterministically for a command that may be retried. */
  eventId: string
  type: string
  data: unknown
  metadata?: EventMetadata
}

export interface StreamAppend {
  streamId: string
  /** The stream's version when its state was read; 0 when the stream must not exist yet. */
  expectedVersion: number
  events: NewEvent[]
  /** The stream's decision state after these events, kept so that no command loads a stream. */
  state: unknown
}

export interface AppendResult {
  /** Where the last appended event stands in the log. */
  position: Position
  /** True when every event was already in the log: a retried append, recognised, not repeated. */
  replayed: boolean
}

/**
 * Appends to one or several streams, all or nothing, within the caller's transaction, each stream
 * checked against its expected version. Call it before any other write of the transaction: the
 * stream-row update it starts with is what gives the transaction its id, and so its place in the
 * log order, only once the streams are locked.
 */
export async function appendToStreams(
  trx: Transaction<DB>,
  appends: readonly StreamAppend[],
): Promise<AppendResult> {
  const events = appends.flatMap((a) => a.events)
  if (events.length === 0) throw new RangeError('an append needs at least one event')
  const recognised = await alreadyAppended(trx, events)
  if (recognised) return { position: recognised, replayed: true }

  // A fixed lock order: two multi-stream appends can never wait on each other in a cycle.
  const ordered = [...appends].sort((a, b) => (a.streamId < b.streamId ? -1 : 1))
  for (const a of ordered) await advanceStream(trx, a)

  const rows = ordered.flatMap((a) =>
    a.events.map((e, i) => ({
      event_id: e.eventId,
      stream_id: a.streamId,
      stream_version: a.expectedVersion + i + 1,
      type: e.type,
      data: JSON.stringify(e.data),
      metadata: JSON.stringify(e.metadata ?? {}),
    })),
  )
  const inserted = await trx
    .insertInto('events')
    .values(rows)
    .returning(['global_position', sql<string>`transaction_id::text`.as('tx')])
    .execute()
  eventsAppended.inc(inserted.length)
  const last = inserted.reduce((m, r) => (r.global_position > m.global_position ? r : m))
  return {
    position: { transactionId: BigInt(last.tx), globalPosition: last.global_position },
    replayed: false,
  }
}

async function advanceStream(trx: Transaction<DB>, a: StreamAppend): Promise<void> {
  const version = a.expectedVersion + a.events.length
  const state = JSON.stringify(a.state)
  const done =
    a.expectedVersion === 0
      ? await trx
          .insertInto('streams')
          .values({ stream_id: a.streamId, version, state })
          .onConflict((oc) => oc.column('stream_id').doNothing())
          .returning('stream_id')
          .executeTakeFirst()
      : await trx
          .updateTable('streams')
          .set({ version, state, updated_at: sql`now()` })
          .where('stream_id', '=', a.streamId)
          .where('version', '=', a.expectedVersion)
          .returning('stream_id')
          .executeTakeFirst()
  // Loud, never silent: a racing append must not be dropped (DESIGN.md).
  if (!done) throw new ConcurrencyError(a.streamId, a.expectedVersion)
}

async function alreadyAppended(
  trx: Transaction<DB>,
  events: readonly NewEvent[],
): Promise<Position | undefined> {
  const found = await trx
    .selectFrom('events')
    .select(['event_id', 'global_position', sql<string>`transaction_id::text`.as('tx')])
    .where(
      'event_id',
      'in',
      events.map((e) => e.eventId),
    )
    .orderBy('transaction_id', 'desc')
    .orderBy('global_position', 'desc')
    .execute()
  if (found.length === 0) return undefined
  if (found.length !== events.length) throw new PartialDuplicateError(found.map((f) => f.event_id))
  const last = found[0]!
  return { transactionId: BigInt(last.tx), globalPosition: last.global_position }
}
