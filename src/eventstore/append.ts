// The only code that writes events. See DESIGN.md, "Event store" and "Log order".
import { sql, type Transaction } from 'kysely'
import type { DB } from '../db/tables.js'
import { eventsAppended } from '../metrics.js'
import { ConcurrencyError, PartialDuplicateError } from './errors.js'
import type { Position } from './position.js'
import { loadStreams } from './streams.js'

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
  /**
   * The caller chose the event ids (a client's payment id), so the same append may come again:
   * it is then recognised and not repeated. Random ids skip that lookup.
   */
  callerChosenIds?: boolean
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
 * stream rows it locks first are what give the transaction its id, and so its place in the log
 * order, only once the streams are locked.
 *
 * Round trips: one statement that locks the existing streams in a fixed order, checks and advances
 * their versions and inserts the events only if every stream advanced; one more before it when
 * the append creates streams, and one lookup when the caller chose the event ids (a retry of the
 * same append is then recognised, not repeated).
 */
export async function appendToStreams(
  trx: Transaction<DB>,
  appends: readonly StreamAppend[],
): Promise<AppendResult> {
  const events = appends.flatMap((a) => a.events)
  if (events.length === 0) throw new RangeError('an append needs at least one event')
  if (appends.some((a) => a.callerChosenIds)) {
    const recognised = await alreadyAppended(trx, events)
    if (recognised) return { position: recognised, replayed: true }
  }

  // A fixed lock order, new streams first, then existing ones by id (the statement sorts those):
  // two multi-stream appends can never wait on each other in a cycle.
  const created = appends
    .filter((a) => a.expectedVersion === 0)
    .sort((a, b) => (a.streamId < b.streamId ? -1 : 1))
  if (created.length > 0) await createStreams(trx, created)
  const advanced = appends.filter((a) => a.expectedVersion > 0)

  const rows = appends.flatMap((a) =>
    a.events.map((e, i) => ({
      event_id: e.eventId,
      stream_id: a.streamId,
      stream_version: a.expectedVersion + i + 1,
      type: e.type,
      data: e.data,
      metadata: e.metadata ?? {},
    })),
  )
  const streams = advanced.map((a) => ({
    stream_id: a.streamId,
    expected: a.expectedVersion,
    version: a.expectedVersion + a.events.length,
    state: a.state,
  }))
  const { rows: inserted } = await sql<{ global_position: number; tx: string }>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(streams)}::jsonb)
        AS r(stream_id text, expected integer, version integer, state jsonb)
    ), locked AS (
      SELECT s.stream_id FROM streams s JOIN input i ON i.stream_id = s.stream_id
      WHERE s.version = i.expected
      ORDER BY s.stream_id COLLATE "C"
      FOR UPDATE OF s
    ), advanced AS (
      UPDATE streams s SET version = i.version, state = i.state, updated_at = now()
      FROM input i JOIN locked l ON l.stream_id = i.stream_id
      WHERE s.stream_id = i.stream_id AND s.version = i.expected
      RETURNING s.stream_id
    )
    INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata)
    SELECT e.event_id, e.stream_id, e.stream_version, e.type, e.data, e.metadata
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS e(event_id uuid, stream_id text, stream_version integer, type text, data jsonb, metadata jsonb)
    WHERE (SELECT count(*) FROM advanced) = ${streams.length}
    ORDER BY e.stream_id COLLATE "C", e.stream_version
    RETURNING global_position, transaction_id::text AS tx`.execute(trx)
  if (inserted.length === 0) throw await conflictOf(trx, advanced)
  eventsAppended.inc(inserted.length)
  const last = inserted.reduce((m, r) => (r.global_position > m.global_position ? r : m))
  return {
    position: { transactionId: BigInt(last.tx), globalPosition: last.global_position },
    replayed: false,
  }
}

/** Streams that must not exist yet: a racing creator makes this append conflict, loudly. */
async function createStreams(
  trx: Transaction<DB>,
  appends: readonly StreamAppend[],
): Promise<void> {
  const done = await trx
    .insertInto('streams')
    .values(
      appends.map((a) => ({
        stream_id: a.streamId,
        version: a.events.length,
        state: JSON.stringify(a.state),
      })),
    )
    .onConflict((oc) => oc.column('stream_id').doNothing())
    .returning('stream_id')
    .execute()
  const made = new Set(done.map((r) => r.stream_id))
  const lost = appends.find((a) => !made.has(a.streamId))
  // Loud, never silent: a racing append must not be dropped (DESIGN.md).
  if (lost) throw new ConcurrencyError(lost.streamId, 0)
}

/** Which stream moved since it was read (the append statement only says that one did). */
async function conflictOf(
  trx: Transaction<DB>,
  appends: readonly StreamAppend[],
): Promise<ConcurrencyError> {
  const now = await loadStreams(
    trx,
    appends.map((a) => a.streamId),
  )
  const moved =
    appends.find((a) => now.get(a.streamId)?.version !== a.expectedVersion) ?? appends[0]!
  return new ConcurrencyError(moved.streamId, moved.expectedVersion)
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
