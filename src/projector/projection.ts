// What a projection is to the machinery that feeds it. The projection's own code (projections/<name>/)
// is the same whether its events come from the log in-process, from JetStream, or from a replay.
import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../db/tables.js'
import type { StoredEvent } from '../eventstore/reader.js'

export interface Projection {
  /** 'book-availability' */
  readonly name: string
  /** The PostgreSQL schema holding its live tables. */
  readonly schema: string
  /** Stream categories it reads (`book` for `book-<id>`); other events only advance its checkpoint. */
  readonly categories: readonly string[]
  /** Creates its tables (not the checkpoint's) in `schema`. */
  createTables(db: Kysely<DB>, schema: string): Promise<void>
  /** Applies events of its categories, in log order, within the batch's transaction. */
  apply(trx: Transaction<DB> | Kysely<DB>, events: readonly StoredEvent[]): Promise<void>
  /** A replay's fold of the whole log into its empty tables (src/projector/bulk-load.ts). */
  bulk(out: BulkOut): BulkLoad
}

/**
 * The whole log folded in memory by the same pure code as `apply`'s batches: `add` takes the
 * events of its categories in log order and hands `out` each row as soon as no later event can
 * change it (a returned rental, a payment), so that it is loaded while the log is still read and
 * the fold holds only what may still change; `finish` hands over the rows left, in their final
 * state, and gives what writes whatever else the fold holds (changes to rows no event of the log
 * created, rows handed over that a later event took back) as `apply` would, once every row is in.
 */
export interface BulkLoad {
  add(event: BulkEvent): void
  finish(): { rest(db: Kysely<DB>): Promise<void> }
}

/** What a fold reads of an event. */
export type BulkEvent = Pick<StoredEvent, 'type' | 'data'>

/** Takes a row of `table`, with every column of it, for the bulk load. */
export type BulkOut = (table: BulkTable, row: object) => void

export interface BulkTable {
  table: string
  /** column → PostgreSQL type, in the order they are loaded */
  columns: Readonly<Record<string, string>>
}

export const categoryOf = (streamId: string): string => streamId.slice(0, streamId.indexOf('-'))
