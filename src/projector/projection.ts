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
  bulk(): BulkLoad
}

/**
 * The whole log folded in memory by the same pure code as `apply`'s batches: `add` takes the
 * events of its categories in log order; `finish` gives the rows of the tables in their final
 * state, for a bulk load, and writes whatever else the fold holds (changes to rows no event of
 * the log created) as `apply` would.
 */
export interface BulkLoad {
  add(event: StoredEvent): void
  finish(): {
    inserts: readonly BulkRows[]
    rest(db: Kysely<DB>): Promise<void>
  }
}

export interface BulkRows {
  table: string
  /** column → PostgreSQL type, in the order they are loaded */
  columns: Readonly<Record<string, string>>
  rows: readonly object[]
}

export const categoryOf = (streamId: string): string => streamId.slice(0, streamId.indexOf('-'))
