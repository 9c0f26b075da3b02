// Loading a rebuilt read model's tables in bulk while the log is still being read: a fold hands
// each row over as soon as no later event can change it, and the row goes out at once as COPY
// text on PostgreSQL (pg-copy-streams, one COPY FROM STDIN per table, fed a page at a time), or
// in large multi-row inserts on PGlite (its COPY reads a file of its virtual file system, not the
// wire protocol's stream, and an embedded log is small). A table's indexes and unique constraints
// are dropped before its first row and built once after its last, instead of maintained row by row.
import { once } from 'node:events'
import { finished } from 'node:stream/promises'
import { type Kysely, sql } from 'kysely'
import type { PoolClient } from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { poolOf } from '../db/database.js'
import { insertFrom } from '../db/recordset.js'
import type { DB } from '../db/tables.js'
import type { BulkTable } from './projection.js'

/** COPY text buffered per table before it is written to its stream; rows per insert on PGlite. */
const COPY_CHUNK = 64 * 1024
const INSERT_CHUNK = 5000

/** One table's load: rows arrive synchronously (from a fold), and leave when flushed. */
interface TableLoad {
  add(row: Record<string, unknown>): void
  /** Sends what `add` buffered, waiting while the server is behind. */
  flush(): Promise<void>
  /** The last rows sent and the load committed. */
  end(): Promise<void>
  /** Gives up: the load is cancelled and its connection discarded. */
  abort(err: Error): void
}

/**
 * The tables of one scratch schema being loaded: `add` is synchronous and only buffers, so that a
 * fold can call it from its pure loop; the rebuild flushes after each page of the log and ends
 * the writer after the last, which builds the indexes back.
 */
export class BulkWriter {
  private readonly tables = new Map<string, { load: TableLoad; restore?: () => Promise<void> }>()
  private opening: Promise<void> = Promise.resolve()

  constructor(
    private readonly db: Kysely<DB>,
    private readonly schema: string,
  ) {}

  add(table: BulkTable, row: object): void {
    let t = this.tables.get(table.table)
    if (!t) {
      const load = lazyLoad(this.db, this.schema, table)
      t = { load: load.load }
      const entry = t
      this.tables.set(table.table, entry)
      // Opened in order (indexes dropped, COPY started) before anything is sent to it.
      this.opening = this.opening.then(async () => {
        entry.restore = await dropIndexes(this.db, this.schema, table.table)
        await load.open()
      })
    }
    t.load.add(row as Record<string, unknown>)
  }

  async flush(): Promise<void> {
    await this.opening
    for (const { load } of this.tables.values()) await load.flush()
  }

  async end(): Promise<void> {
    await this.opening
    for (const { load } of this.tables.values()) await load.end()
    for (const { restore } of this.tables.values()) await restore?.()
  }

  /** Cancels every load, once those being opened are open (none is left holding a connection). */
  async abort(err: Error): Promise<void> {
    await this.opening.catch(() => {})
    for (const { load } of this.tables.values()) load.abort(err)
  }
}

function lazyLoad(
  db: Kysely<DB>,
  schema: string,
  table: BulkTable,
): { load: TableLoad; open(): Promise<void> } {
  const names = Object.keys(table.columns)
  const pool = poolOf(db)
  if (!pool) {
    let rows: Record<string, unknown>[] = []
    const scoped = db.withSchema(schema)
    const send = async (all: boolean) => {
      while (rows.length >= (all ? 1 : INSERT_CHUNK)) {
        const chunk = rows.slice(0, INSERT_CHUNK)
        rows = rows.slice(INSERT_CHUNK)
        await insertFrom(scoped, table.table as keyof DB & string, table.columns, chunk).execute()
      }
    }
    return {
      open: async () => {},
      load: {
        add: (row) => {
          rows.push(row)
        },
        flush: () => send(false),
        end: () => send(true),
        abort: () => {
          rows = []
        },
      },
    }
  }
  const ident = (s: string) => `"${s.replaceAll('"', '""')}"`
  const target = `${ident(schema)}.${ident(table.table)} (${names.map(ident).join(', ')})`
  let text = ''
  let client: PoolClient | undefined
  let stream: ReturnType<typeof copyFrom> | undefined
  let failed: Error | undefined
  const write = async () => {
    if (failed) throw failed
    if (text.length === 0) return
    const chunk = text
    text = ''
    if (!stream!.write(chunk)) await once(stream!, 'drain')
  }
  return {
    open: async () => {
      client = await pool.connect()
      stream = client.query(copyFrom(`COPY ${target} FROM STDIN`))
      stream.on('error', (err) => {
        failed = err
      })
    },
    load: {
      add: (row) => {
        for (let c = 0; c < names.length; c++) {
          text += (c ? '\t' : '') + copyValue(row[names[c]!])
        }
        text += '\n'
        // Sent at the next flush; a page's rows for one table rarely reach this.
        if (text.length >= COPY_CHUNK && stream && !failed) {
          stream.write(text)
          text = ''
        }
      },
      flush: write,
      end: async () => {
        const c = client!
        client = undefined
        try {
          await write()
          stream!.end()
          await finished(stream!)
        } catch (err) {
          // Left mid-COPY: the connection is closed, not returned to the pool.
          c.release(err as Error)
          throw err
        }
        c.release()
      },
      abort: (err) => {
        if (!client) return
        stream!.destroy(err)
        // The connection is left mid-COPY: it is closed, not returned to the pool.
        client.release(err)
        client = undefined
      },
    },
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
 * Drops the indexes and primary/unique constraints of `table` in `schema`; returns what builds
 * them again from their own definitions (pg_get_constraintdef, pg_indexes), so that the
 * projection's DDL stays the one place that declares them.
 */
async function dropIndexes(
  db: Kysely<DB>,
  schema: string,
  table: string,
): Promise<() => Promise<void>> {
  const { rows: constraints } = await sql<{ name: string; def: string }>`
    SELECT c.conname AS name, pg_get_constraintdef(c.oid) AS def
      FROM pg_constraint c
      JOIN pg_class t ON t.oid = c.conrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = ${schema} AND t.relname = ${table} AND c.contype IN ('p', 'u')
     ORDER BY 1`.execute(db)
  const { rows: indexes } = await sql<{ name: string; def: string }>`
    SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
     WHERE i.schemaname = ${schema} AND i.tablename = ${table}
       AND NOT EXISTS (SELECT FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                        WHERE n.nspname = ${schema} AND c.conname = i.indexname)
     ORDER BY 1`.execute(db)
  for (const i of indexes) await sql`DROP INDEX ${sql.id(schema, i.name)}`.execute(db)
  for (const c of constraints) {
    await sql`ALTER TABLE ${sql.id(schema, table)} DROP CONSTRAINT ${sql.id(c.name)}`.execute(db)
  }
  return async () => {
    for (const c of constraints) {
      await sql`ALTER TABLE ${sql.id(schema, table)} ADD CONSTRAINT ${sql.id(c.name)} ${sql.raw(c.def)}`.execute(
        db,
      )
    }
    for (const i of indexes) await sql.raw(i.def).execute(db)
  }
}
