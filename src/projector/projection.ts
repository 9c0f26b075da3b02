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
}

export const categoryOf = (streamId: string): string => streamId.slice(0, streamId.indexOf('-'))
