// Many rows as one query parameter: `(SELECT * FROM jsonb_to_recordset($1) AS r(<columns>)) AS <alias>`.
// One parameter whatever the number of rows (no 65,535-parameter limit, one statement to plan),
// for set-based writes: a projection's batch, an append to several streams.
import { type AliasedRawBuilder, type QueryCreator, sql } from 'kysely'
import type { DB } from './tables.js'

/** Column name → PostgreSQL type. Names and types are code constants, never input. */
export type RecordsetColumns<R> = { readonly [K in keyof R & string]: string }

export function recordset<R extends object, A extends string>(
  alias: A,
  columns: RecordsetColumns<R>,
  rows: readonly R[],
): AliasedRawBuilder<R, A> {
  const defs = Object.entries(columns)
    .map(([name, type]) => `${name} ${type}`)
    .join(', ')
  return sql<R>`(SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(${sql.raw(defs)}))`.as(
    alias,
  )
}

/**
 * `INSERT INTO <table> (<columns>) SELECT <columns> FROM recordset(rows)`, not executed: a
 * statement, or a CTE of one (`db.with(name, (qb) => insertFrom(qb, ...))`). No rows insert nothing.
 */
export function insertFrom<R extends object, D extends DB>(
  db: QueryCreator<D>,
  table: keyof DB & string,
  columns: RecordsetColumns<R>,
  rows: readonly R[],
) {
  const names = Object.keys(columns)
  // The column names are the recordset's own, so the statement is well-typed by construction.
  const untyped = db as unknown as QueryCreator<Record<string, Record<string, unknown>>>
  return untyped
    .insertInto(table)
    .columns(names)
    .expression((eb) =>
      eb.selectFrom(recordset('x', columns, rows)).select(names.map((c) => `x.${c}`)),
    )
}
