// How a query function runs the statement a route reads: directly, or (for a signed-in caller,
// src/http/plugins/consistency.ts) together with the lookup that makes it read the caller's own
// writes. Query functions take one of these so that the lookup rides in the read's round trip.
import type { SelectQueryBuilder } from 'kysely'
import type { DB } from './tables.js'

// biome-ignore lint/suspicious/noExplicitAny: any table set of DB, as the query functions build it
export type ReadQuery<R> = SelectQueryBuilder<DB, any, R>

export type ReadRows = <R>(query: ReadQuery<R>) => Promise<R[]>

/** No consistency wait: the rows as the statement returns them. */
export const directRows: ReadRows = (query) => query.execute()
