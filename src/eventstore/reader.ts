// The one log reader (DESIGN.md, "Log order"). Relay, replay, export and the embedded mode all
// read the log through readLog: it returns only events of transactions that can no longer commit
// behind it, in (transaction_id, global_position) order, so no reader ever skips a late commit.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/tables.js'
import { XidHorizonError } from './errors.js'
import { encodePosition, type Position, START } from './position.js'

export interface StoredEvent {
  position: Position
  /** The opaque token of `position`, as clients see it. */
  token: string
  eventId: string
  streamId: string
  streamVersion: number
  type: string
  data: unknown
  metadata: Record<string, unknown>
  recordedAt: Date
}

export interface LogFilter {
  types?: readonly string[]
  streamId?: string
  /** recorded at or after */
  from?: Date
  /** recorded before */
  to?: Date
}

export interface ReadLogOptions extends LogFilter {
  after: Position
  limit: number
}

/** The committed events strictly after `after` that match `filter`: the gate every reader uses. */
export function committedAfter(db: Kysely<DB>, after: Position, filter: LogFilter) {
  let q = db
    .selectFrom('events')
    .where(
      sql<boolean>`(transaction_id, global_position) > (${after.transactionId.toString()}::xid8, ${after.globalPosition})`,
    )
    // Every transaction below the snapshot's xmin has ended: nothing can commit before this point.
    .where(sql<boolean>`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`)
  if (filter.types?.length) q = q.where('type', 'in', filter.types)
  if (filter.streamId !== undefined) q = q.where('stream_id', '=', filter.streamId)
  if (filter.from) q = q.where('recorded_at', '>=', filter.from)
  if (filter.to) q = q.where('recorded_at', '<', filter.to)
  return q
}

/** One page of the committed log strictly after `after`, at most `limit` events. */
export async function readLog(db: Kysely<DB>, opts: ReadLogOptions): Promise<StoredEvent[]> {
  const rows = await committedPage(db, opts, [...CHANGE_COLUMNS, 'metadata', 'recorded_at'])
  return rows.map((r) => {
    const change = changeOf(r)
    return {
      ...change,
      token: encodePosition(change.position),
      metadata: r.metadata,
      recordedAt: r.recorded_at,
    }
  })
}

/** What a projection's fold reads of an event (a replay): no metadata, no time, no token. */
export type LoggedChange = Pick<
  StoredEvent,
  'position' | 'eventId' | 'streamId' | 'streamVersion' | 'type' | 'data'
>

/** readLog with only the columns a fold reads: a replay decodes and keeps less per event. */
export async function readChanges(db: Kysely<DB>, opts: ReadLogOptions): Promise<LoggedChange[]> {
  const rows = await committedPage(db, opts, CHANGE_COLUMNS)
  return rows.map(changeOf)
}

const CHANGE_COLUMNS = ['event_id', 'stream_id', 'stream_version', 'type', 'data'] as const

/** The gate's page in log order, with the position's columns and `columns`. */
function committedPage<C extends keyof DB['events'] & string>(
  db: Kysely<DB>,
  opts: ReadLogOptions,
  columns: readonly C[],
) {
  return committedAfter(db, opts.after, opts)
    .select([sql<string>`transaction_id::text`.as('tx'), 'global_position', ...columns])
    .orderBy('transaction_id')
    .orderBy('global_position')
    .limit(opts.limit)
    .execute()
}

function changeOf(r: {
  tx: string
  global_position: number
  event_id: string
  stream_id: string
  stream_version: number
  type: string
  data: unknown
}): LoggedChange {
  return {
    position: { transactionId: BigInt(r.tx), globalPosition: r.global_position },
    eventId: r.event_id,
    streamId: r.stream_id,
    streamVersion: r.stream_version,
    type: r.type,
    data: r.data,
  }
}

/** How many committed events after `after` (matching `filter`) a reader would get now. */
export async function countLogAfter(
  db: Kysely<DB>,
  after: Position,
  filter: LogFilter = {},
): Promise<number> {
  const row = await committedAfter(db, after, filter)
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow()
  return row.n
}

/**
 * Whether events after `after` have committed that the gate still holds back (a transaction with
 * a lower id, in any database of the cluster, is still open): they become readable as soon as it
 * ends, which may send no notification at all.
 */
export async function heldBackAfter(db: Kysely<DB>, after: Position): Promise<boolean> {
  const row = await db
    .selectFrom('events')
    .select(sql<number>`1`.as('one'))
    .where(
      sql<boolean>`(transaction_id, global_position) > (${after.transactionId.toString()}::xid8, ${after.globalPosition})`,
    )
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** Every committed event after `after`, page by page. */
export function readLogFrom(
  db: Kysely<DB>,
  after: Position,
  pageSize = 1000,
  filter: LogFilter = {},
): AsyncGenerator<StoredEvent[]> {
  const read = (cursor: Position) => readLog(db, { ...filter, after: cursor, limit: pageSize })
  return pages(read, after, pageSize, false)
}

/**
 * The whole committed log after `after` as readChanges pages, each asked for as soon as the one
 * before it arrives: the server reads a page while the caller (a replay) works on the last.
 */
export function readChangesFrom(
  db: Kysely<DB>,
  after: Position,
  pageSize: number,
): AsyncGenerator<LoggedChange[]> {
  const read = (cursor: Position) => readChanges(db, { after: cursor, limit: pageSize })
  return pages(read, after, pageSize, true)
}

async function* pages<E extends { position: Position }>(
  read: (after: Position) => Promise<E[]>,
  after: Position,
  pageSize: number,
  ahead: boolean,
): AsyncGenerator<E[]> {
  let pending = read(after)
  for (;;) {
    const page = await pending
    if (page.length === 0) return
    const full = page.length === pageSize
    if (ahead && full) {
      pending = read(page[page.length - 1]!.position)
      // A caller that stops early never awaits it: its failure is not an unhandled one.
      pending.catch(() => {})
    }
    yield page
    if (!full) return
    if (!ahead) pending = read(page[page.length - 1]!.position)
  }
}

/** The log's head: the position of the last committed event readable now, or undefined. */
export async function headPosition(db: Kysely<DB>): Promise<Position | undefined> {
  const row = await committedAfter(db, START, {})
    .select([sql<string>`transaction_id::text`.as('tx'), 'global_position'])
    .orderBy('transaction_id', 'desc')
    .orderBy('global_position', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row && { transactionId: BigInt(row.tx), globalPosition: row.global_position }
}

/**
 * Refuses to run on a database whose xid counter is not above every stored transaction id, as after
 * a dump restored into a new cluster: new events would sort before old ones and readers miss them.
 */
export async function assertXidHorizon(db: Kysely<DB>): Promise<void> {
  const row = await sql<{ next: string; stored: string | null }>`
    SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next,
           (SELECT e.transaction_id::text FROM events e
             ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT 1) AS stored`.execute(db)
  const { next, stored } = row.rows[0]!
  if (stored !== null && BigInt(stored) >= BigInt(next)) {
    throw new XidHorizonError(
      `the database's transaction counter (${next}) is not above the log's newest transaction id ` +
        `(${stored}): was a dump restored into a new cluster? Readers would miss new events. ` +
        'Advance the counter (pg_resetwal -x) before starting.',
    )
  }
}
