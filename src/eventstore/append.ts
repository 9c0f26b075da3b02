// The only code that writes events. See DESIGN.md, "Event store" and "Log order".
import { type Compilable, type Kysely, sql, type Transaction } from 'kysely'
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
  /**
   * The caller chose the event ids (a client's payment id), so the same append may come again:
   * it is then recognised and not repeated. Random ids skip that lookup.
   */
  callerChosenIds?: boolean
}

export interface AppendResult {
  /** Where the last appended event stands in the log. */
  position: Position
  /** Where each event stands, by event id. */
  positions: ReadonlyMap<string, Position>
  /** True when every event was already in the log: a retried append, recognised, not repeated. */
  replayed: boolean
}

export interface AppendOptions {
  /**
   * More writes (Kysely insert, update or delete builders) made by the append's own statement:
   * all of them or none, with the events. They run after the streams are locked.
   */
  also?: readonly Compilable[]
  /** Look up caller-chosen event ids first (default true); a batch leaves it to a unique violation. */
  recogniseRetries?: boolean
}

/**
 * Appends to one or several streams, all or nothing, each stream checked against its expected
 * version; with `also`'s writes, in one statement. A stream may come more than once (a batch of
 * commands): each later append must expect the version the one before it leads to. Events take
 * their log positions in the order given. In autocommit (a Kysely<DB>) that statement is
 * the whole transaction: the command side needs one round trip to write. In a caller's
 * transaction, call it before any other write: the stream rows it locks first are what give the
 * transaction its id, and so its place in the log order, only once the streams are locked.
 *
 * The statement creates new streams, locks existing ones in a fixed order (by id), checks and
 * advances their versions, and inserts the events only if every stream advanced; otherwise it
 * fails as a whole with a ConcurrencyError naming the stream. One lookup comes first when the
 * caller chose the event ids (a retry of the same append is then recognised, not repeated).
 */
export async function appendToStreams(
  db: Kysely<DB> | Transaction<DB>,
  appends: readonly StreamAppend[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  const events = appends.flatMap((a) => a.events)
  if (events.length === 0) throw new RangeError('an append needs at least one event')
  if (options.recogniseRetries !== false && appends.some((a) => a.callerChosenIds)) {
    const recognised = await alreadyAppended(db, events)
    if (recognised) return { ...recognised, replayed: true }
  }
  const streams = chained(appends)
  let ord = 0
  const rows = appends.flatMap((a) =>
    a.events.map((e, i) => ({
      ord: ord++,
      event_id: e.eventId,
      stream_id: a.streamId,
      stream_version: a.expectedVersion + i + 1,
      type: e.type,
      data: e.data,
      metadata: e.metadata ?? {},
    })),
  )
  const also = (options.also ?? []).map((q, i) => sql`, ${sql.id(`also_${i}`)} AS (${q})`)
  let inserted: Row[]
  try {
    ;({ rows: inserted } = await sql<Row>`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(streams)}::jsonb)
          AS r(stream_id text, expected integer, version integer, state jsonb)
      ), created AS (
        INSERT INTO streams (stream_id, version, state)
        SELECT stream_id, version, state FROM input WHERE expected = 0
        ORDER BY stream_id COLLATE "C"
        ON CONFLICT (stream_id) DO NOTHING
        RETURNING stream_id
      ), locked AS (
        SELECT s.stream_id FROM streams s JOIN input i ON i.stream_id = s.stream_id
        WHERE i.expected > 0 AND s.version = i.expected
        ORDER BY s.stream_id COLLATE "C"
        FOR UPDATE OF s
      ), advanced AS (
        UPDATE streams s SET version = i.version, state = i.state, updated_at = now()
        FROM input i JOIN locked l ON l.stream_id = i.stream_id
        WHERE s.stream_id = i.stream_id AND s.version = i.expected
        RETURNING s.stream_id
      ), checked AS (
        SELECT rental_ledger_streams_advanced(
          ARRAY(SELECT stream_id FROM input),
          ARRAY(SELECT stream_id FROM created UNION ALL SELECT stream_id FROM advanced)
        ) AS ok
      ), inserted AS (
        INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata)
        SELECT e.event_id, e.stream_id, e.stream_version, e.type, e.data, e.metadata
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS e(ord integer, event_id uuid, stream_id text, stream_version integer, type text,
               data jsonb, metadata jsonb),
          checked
        WHERE checked.ok
        ORDER BY e.ord
        RETURNING event_id, global_position, transaction_id
      )${sql.join(also, sql``)}
      SELECT event_id, global_position, transaction_id::text AS tx FROM inserted`.execute(db))
  } catch (err) {
    throw conflictOf(err, appends) ?? err
  }
  eventsAppended.inc(inserted.length)
  return { ...positionsOf(inserted), replayed: false }
}

interface Row {
  event_id: string
  global_position: number
  tx: string
}

/** Each stream once: the version its first append expects, the version and state of its last. */
function chained(appends: readonly StreamAppend[]) {
  const streams = new Map<
    string,
    { stream_id: string; expected: number; version: number; state: unknown }
  >()
  for (const a of appends) {
    const seen = streams.get(a.streamId)
    if (seen && seen.version !== a.expectedVersion) {
      throw new RangeError(`appends to ${a.streamId} do not follow each other`)
    }
    streams.set(a.streamId, {
      stream_id: a.streamId,
      expected: seen?.expected ?? a.expectedVersion,
      version: a.expectedVersion + a.events.length,
      state: a.state,
    })
  }
  return [...streams.values()]
}

/** The rows' positions by event id, and the latest of them. */
function positionsOf(rows: readonly Row[]): Omit<AppendResult, 'replayed'> {
  const positions = new Map<string, Position>()
  let last = rows[0]!
  for (const r of rows) {
    positions.set(r.event_id, { transactionId: BigInt(r.tx), globalPosition: r.global_position })
    if (
      BigInt(r.tx) > BigInt(last.tx) ||
      (r.tx === last.tx && r.global_position > last.global_position)
    )
      last = r
  }
  return { positions, position: positions.get(last.event_id)! }
}

/** The append statement's conflict (a stream moved, or a deadlock with another append), if it is one. */
function conflictOf(err: unknown, appends: readonly StreamAppend[]): ConcurrencyError | undefined {
  const e = err as { code?: string; detail?: string }
  if (e?.code !== '40001' && e?.code !== '40P01') return undefined
  const moved = appends.find((a) => a.streamId === e.detail) ?? appends[0]!
  return new ConcurrencyError(moved.streamId, moved.expectedVersion)
}

async function alreadyAppended(
  trx: Kysely<DB> | Transaction<DB>,
  events: readonly NewEvent[],
): Promise<Omit<AppendResult, 'replayed'> | undefined> {
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
  return positionsOf(found)
}
