// Loading a rebuilt read model's tables in bulk: COPY FROM STDIN on PostgreSQL (pg-copy-streams),
// large multi-row inserts on PGlite (its COPY reads a file of its virtual file system, not the
// wire protocol's stream, and an embedded log is small), with the tables' indexes and unique
// constraints built once after the load instead of maintained row by row.
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { type Kysely, sql } from 'kysely'
import { from as copyFrom } from 'pg-copy-streams'
import { poolOf } from '../db/database.js'
import { insertFrom } from '../db/recordset.js'
import type { DB } from '../db/tables.js'
import type { BulkRows } from './projection.js'

/** Rows per COPY chunk written to the stream, and per insert statement on PGlite. */
const CHUNK = 5000

export async function loadRows(db: Kysely<DB>, schema: string, load: BulkRows): Promise<void> {
  if (load.rows.length === 0) return
  const names = Object.keys(load.columns)
  const pool = poolOf(db)
  if (!pool) {
    const scoped = db.withSchema(schema)
    for (let i = 0; i < load.rows.length; i += CHUNK) {
      const rows = load.rows.slice(i, i + CHUNK)
      await insertFrom(scoped, load.table as keyof DB & string, load.columns, rows).execute()
    }
    return
  }
  const ident = (s: string) => `"${s.replaceAll('"', '""')}"`
  const target = `${ident(schema)}.${ident(load.table)} (${names.map(ident).join(', ')})`
  const client = await pool.connect()
  try {
    const stream = client.query(copyFrom(`COPY ${target} FROM STDIN`))
    await pipeline(Readable.from(copyText(load.rows, names)), stream)
  } finally {
    client.release()
  }
}

/** COPY's text format, a chunk of rows at a time. */
function* copyText(rows: readonly object[], names: readonly string[]): Generator<string> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    let text = ''
    for (const row of rows.slice(i, i + CHUNK) as Record<string, unknown>[]) {
      for (let c = 0; c < names.length; c++) {
        text += (c ? '\t' : '') + copyValue(row[names[c]!])
      }
      text += '\n'
    }
    yield text
  }
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }

/** One field: \N for null (or absent, as jsonb_to_recordset reads it), text escaped. */
export function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N'
  if (typeof value === 'string') return value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw new TypeError(`no COPY text for ${typeof value}`)
}

/**
 * Runs `load` with the indexes and primary/unique constraints of `tables` in `schema` dropped,
 * then builds them again from their own definitions (pg_get_constraintdef, pg_indexes), so that
 * the projection's DDL stays the one place that declares them.
 */
export async function withoutIndexes(
  db: Kysely<DB>,
  schema: string,
  tables: readonly string[],
  load: () => Promise<void>,
): Promise<void> {
  const { rows: constraints } = await sql<{ table: string; name: string; def: string }>`
    SELECT t.relname AS table, c.conname AS name, pg_get_constraintdef(c.oid) AS def
      FROM pg_constraint c
      JOIN pg_class t ON t.oid = c.conrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = ${schema} AND t.relname = ANY(${tables}::text[]) AND c.contype IN ('p', 'u')
     ORDER BY 1, 2`.execute(db)
  const { rows: indexes } = await sql<{ name: string; def: string }>`
    SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
     WHERE i.schemaname = ${schema} AND i.tablename = ANY(${tables}::text[])
       AND NOT EXISTS (SELECT FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                        WHERE n.nspname = ${schema} AND c.conname = i.indexname)
     ORDER BY 1`.execute(db)
  for (const i of indexes) await sql`DROP INDEX ${sql.id(schema, i.name)}`.execute(db)
  for (const c of constraints) {
    await sql`ALTER TABLE ${sql.id(schema, c.table)} DROP CONSTRAINT ${sql.id(c.name)}`.execute(db)
  }
  await load()
  for (const c of constraints) {
    await sql`ALTER TABLE ${sql.id(schema, c.table)} ADD CONSTRAINT ${sql.id(c.name)} ${sql.raw(c.def)}`.execute(
      db,
    )
  }
  for (const i of indexes) await sql.raw(i.def).execute(db)
}
