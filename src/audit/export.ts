// The audit export, shared by GET /api/audit/events and `rental-ledger export`: the committed log
// in log order as NDJSON or CSV, pulled one page at a time only when the consumer wants more, so
// memory stays flat whatever the log's size. `after` (a record's position) resumes exactly after it.
import { Readable } from 'node:stream'
import { type Kysely, sql } from 'kysely'
import Cursor from 'pg-cursor'
import type { Database } from '../db/database.js'
import type { DB } from '../db/tables.js'
import { DomainError } from '../domain/errors.js'
import {
  decodePosition,
  InvalidPositionError,
  type Position,
  START,
} from '../eventstore/position.js'
import { committedAfter, type LogFilter } from '../eventstore/reader.js'
import { type Head, type SigningKey, signHead } from './signing.js'

export type ExportFormat = 'ndjson' | 'csv'

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
}

export interface AuditRecord {
  /** The event's position token: pass it as `after` to resume after this record. */
  position: string
  streamId: string
  version: number
  type: string
  data: unknown
  metadata: Record<string, unknown>
  recordedAt: string
  /** the chain: the previous event's hash, and this one's (src/audit/canonical.ts) */
  prevHash: string
  hash: string
}

/** The export's filters as they arrive (query string or command line): text. */
export interface ExportInput {
  after?: string
  from?: string
  to?: string
  /** One or more event types, comma-separated. */
  type?: string
  streamId?: string
}

export interface ExportQuery {
  after: Position
  filter: LogFilter
}

/** Parses the filters; bad ones are a VALIDATION_FAILED DomainError (a 400 over HTTP). */
export function parseExportInput(input: ExportInput): ExportQuery {
  const time = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined
    const d = new Date(value)
    if (Number.isNaN(d.getTime())) {
      throw new DomainError('VALIDATION_FAILED', `${name} is not a time: ${JSON.stringify(value)}`)
    }
    return d
  }
  let after = START
  try {
    if (input.after) after = decodePosition(input.after)
  } catch (err) {
    if (!(err instanceof InvalidPositionError)) throw err
    throw new DomainError('VALIDATION_FAILED', `after: ${err.message}`)
  }
  const types = input.type
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean)
  return {
    after,
    filter: {
      from: time('from', input.from),
      to: time('to', input.to),
      ...(types?.length && { types }),
      ...(input.streamId !== undefined && { streamId: input.streamId }),
    },
  }
}

/** One exported event as the query returns it (row mode 'array', in this column order). */
type ExportRow = [
  token: string,
  streamId: string,
  version: number,
  type: string,
  data: unknown,
  metadata: Record<string, unknown>,
  recordedAt: Date,
  prevHash: string,
  hash: string,
]

/**
 * The export's rows: the one reader's gate and filters (eventstore/reader.ts), the position token
 * computed by the server (the same 32 hex digits as encodePosition), in log order; chained events
 * only, each with its link (the chain follows the log within moments: src/audit/chain-writer.ts).
 */
function exportQuery(db: Kysely<DB>, after: Position, filter: LogFilter) {
  return committedAfter(db, after, filter)
    .innerJoin(sql<{ prev_hash: string; hash: string }>`audit_chain`.as('c'), (join) =>
      join.on(
        sql<boolean>`c.event_transaction_id = events.transaction_id AND c.event_position = events.global_position`,
      ),
    )
    .select([
      sql<string>`lpad(to_hex(transaction_id::text::bigint), 16, '0') || lpad(to_hex(global_position), 16, '0')`.as(
        'token',
      ),
      'stream_id',
      'stream_version',
      'type',
      'data',
      'metadata',
      'recorded_at',
      'c.prev_hash',
      'c.hash',
    ])
    .orderBy('transaction_id')
    .orderBy('global_position')
}

const CSV_COLUMNS = [
  'position',
  'streamId',
  'version',
  'type',
  'data',
  'metadata',
  'recordedAt',
  'prevHash',
  'hash',
]

/** A CSV row of this type closes the export with its head; NDJSON ends with `{"head": …}`. */
export const CSV_HEAD_TYPE = '@audit-head'

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

function csvLine(fields: string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`
}

/**
 * One record's line. NDJSON is JSON.stringify of an AuditRecord, written out member by member in
 * the record's key order (the same bytes, without building the object).
 */
function formatRow(r: ExportRow, as: ExportFormat): string {
  const recordedAt = r[6].toISOString()
  if (as === 'ndjson') {
    return (
      `{"position":"${r[0]}","streamId":${JSON.stringify(r[1])},"version":${r[2]},` +
      `"type":${JSON.stringify(r[3])},"data":${JSON.stringify(r[4])},` +
      `"metadata":${JSON.stringify(r[5])},"recordedAt":"${recordedAt}",` +
      `"prevHash":"${r[7]}","hash":"${r[8]}"}\n`
    )
  }
  return csvLine([
    r[0],
    r[1],
    String(r[2]),
    r[3],
    JSON.stringify(r[4]),
    JSON.stringify(r[5]),
    recordedAt,
    r[7],
    r[8],
  ])
}

function formatHead(head: Head, as: ExportFormat): string {
  if (as === 'ndjson') return `${JSON.stringify({ head })}\n`
  return csvLine([
    head.position,
    '',
    '',
    CSV_HEAD_TYPE,
    JSON.stringify(head),
    '{}',
    head.signedAt,
    '',
    head.hash,
  ])
}

export interface ExportOptions extends ExportQuery {
  format: ExportFormat
  /** Rows held at once: the bounded window between the database and the consumer. */
  pageSize?: number
  /** Called with the number of records in each page written. */
  onPage?: (records: number) => void
  /**
   * End with a head for the last record, signed with this key (`null`: unsigned, no key is
   * configured); leave out for no head.
   */
  head?: { key: SigningKey | undefined; clock?: () => Date }
}

/**
 * The rows of the export, a page at a time. On PostgreSQL, one statement read through a cursor
 * on a connection of its own: the next page is fetched only when this one is taken, so memory
 * holds one page whatever the log's length. A cursor outside a transaction block is not "idle in
 * transaction" while the consumer is slow, and reads without an xid: it holds back no log reader.
 * Embedded (PGlite, one connection shared with everything else): keyset pages of the same query.
 */
async function* exportPages(
  database: Database,
  options: ExportOptions,
  pageSize: number,
): AsyncGenerator<ExportRow[]> {
  const { after, filter } = options
  if (database.pool) {
    const { sql: text, parameters } = exportQuery(database.db, after, filter).compile()
    const client = await database.pool.connect()
    const cursor = client.query(new Cursor<ExportRow>(text, [...parameters], { rowMode: 'array' }))
    let failed: Error | undefined
    try {
      for (;;) {
        const rows = await cursor.read(pageSize)
        if (rows.length === 0) return
        yield rows
      }
    } catch (err) {
      failed = err as Error
      throw err
    } finally {
      // A consumer that stopped early leaves the portal open: close it before the connection
      // goes back to the pool (or drop the connection if the cursor broke).
      if (!failed) await cursor.close().catch((err: Error) => (failed = err))
      client.release(failed)
    }
  }
  let cursor = after
  for (;;) {
    const rows = (await exportQuery(database.db, cursor, filter)
      .limit(pageSize)
      .execute()) as unknown as Record<string, unknown>[]
    if (rows.length === 0) return
    yield rows.map(
      (r) =>
        [
          r.token,
          r.stream_id,
          r.stream_version,
          r.type,
          r.data,
          r.metadata,
          r.recorded_at,
          r.prev_hash,
          r.hash,
        ] as ExportRow,
    )
    if (rows.length < pageSize) return
    cursor = decodePosition(rows[rows.length - 1]!.token as string)
  }
}

/**
 * Rows a page by default. Small pages keep the export's memory flat: a page's rows and text die
 * young, before V8 promotes them to the old generation, which it collects lazily. A 1,000,000-event
 * export (compiled, bench/export-rss.ts) peaked at 212 MiB RSS with pages of 2,000 rows, 174 MiB
 * with 500 and 126 MiB with 250 (89 MiB for an empty log); the extra round trips cost little.
 */
const PAGE_ROWS = 250

/** The export as text chunks, one page each; the next page is read only when this one is taken. */
export async function* exportChunks(
  database: Database,
  options: ExportOptions,
): AsyncGenerator<string> {
  if (options.format === 'csv') yield csvLine(CSV_COLUMNS)
  let last: ExportRow | undefined
  for await (const rows of exportPages(database, options, options.pageSize ?? PAGE_ROWS)) {
    let chunk = ''
    for (const r of rows) chunk += formatRow(r, options.format)
    last = rows[rows.length - 1]
    yield chunk
    options.onPage?.(rows.length)
  }
  if (options.head && last) {
    const now = (options.head.clock ?? (() => new Date()))()
    const head = signHead(options.head.key, { position: last[0], hash: last[8] }, now)
    yield formatHead(head, options.format)
  }
}

/** A byte stream with backpressure: it pulls a page when its buffer drains below 64 KiB. */
export function exportStream(database: Database, options: ExportOptions): Readable {
  return Readable.from(exportChunks(database, options), {
    objectMode: false,
    highWaterMark: 64 * 1024,
  })
}
