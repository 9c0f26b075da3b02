// The audit export, shared by GET /api/audit/events and `rental-ledger export`: the committed log
// in log order as NDJSON or CSV, pulled one page at a time only when the consumer wants more, so
// memory stays flat whatever the log's size. `after` (a record's position) resumes exactly after it.
import { Readable } from 'node:stream'
import type { Kysely } from 'kysely'
import type { DB } from '../db/tables.js'
import { DomainError } from '../domain/errors.js'
import {
  decodePosition,
  InvalidPositionError,
  type Position,
  START,
} from '../eventstore/position.js'
import { type LogFilter, readLogFrom, type StoredEvent } from '../eventstore/reader.js'

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

export function toAuditRecord(e: StoredEvent): AuditRecord {
  return {
    position: e.token,
    streamId: e.streamId,
    version: e.streamVersion,
    type: e.type,
    data: e.data,
    metadata: e.metadata,
    recordedAt: e.recordedAt.toISOString(),
  }
}

const CSV_COLUMNS = ['position', 'streamId', 'version', 'type', 'data', 'metadata', 'recordedAt']

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

function csvLine(fields: string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`
}

function format(record: AuditRecord, as: ExportFormat): string {
  if (as === 'ndjson') return `${JSON.stringify(record)}\n`
  return csvLine([
    record.position,
    record.streamId,
    String(record.version),
    record.type,
    JSON.stringify(record.data),
    JSON.stringify(record.metadata),
    record.recordedAt,
  ])
}

export interface ExportOptions extends ExportQuery {
  format: ExportFormat
  pageSize?: number
  /** Called with the number of records in each page written. */
  onPage?: (records: number) => void
}

/** The export as text chunks, one page each; the next page is read only when this one is taken. */
export async function* exportChunks(
  db: Kysely<DB>,
  options: ExportOptions,
): AsyncGenerator<string> {
  if (options.format === 'csv') yield csvLine(CSV_COLUMNS)
  for await (const page of readLogFrom(
    db,
    options.after,
    options.pageSize ?? 500,
    options.filter,
  )) {
    yield page.map((e) => format(toAuditRecord(e), options.format)).join('')
    options.onPage?.(page.length)
  }
}

/** A byte stream with backpressure: it pulls a page when its buffer drains below 64 KiB. */
export function exportStream(db: Kysely<DB>, options: ExportOptions): Readable {
  return Readable.from(exportChunks(db, options), { objectMode: false, highWaterMark: 64 * 1024 })
}
