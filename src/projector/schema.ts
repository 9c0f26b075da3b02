// A projection's schema: its own tables plus the checkpoint and the last version seen per stream.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/tables.js'
import type { Projection } from './projection.js'

export async function createProjectionSchema(
  db: Kysely<DB>,
  projection: Projection,
  schema: string,
): Promise<void> {
  await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(db)
  await sql`
    CREATE TABLE ${sql.id(schema, 'checkpoint')} (
      id integer PRIMARY KEY CHECK (id = 1),
      transaction_id xid8 NOT NULL,
      global_position bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  await sql`INSERT INTO ${sql.id(schema, 'checkpoint')} (id, transaction_id, global_position)
            VALUES (1, '0', 0)`.execute(db)
  await sql`
    CREATE TABLE ${sql.id(schema, 'stream_versions')} (
      stream_id text PRIMARY KEY,
      version integer NOT NULL
    )`.execute(db)
  await projection.createTables(db, schema)
}

const LOCK = 0x72_6c_70_73 // 'rlps'

/** Creates each projection's live schema if it is missing. Safe to run from several processes. */
export async function ensureProjectionSchemas(
  db: Kysely<DB>,
  projections: readonly Projection[],
): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${LOCK})`.execute(trx)
    const created: string[] = []
    for (const p of projections) {
      const exists = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = ${p.schema}`.execute(trx)
      if (exists.rows[0]!.n === 0) {
        await createProjectionSchema(trx, p, p.schema)
        created.push(p.name)
      }
    }
    return created
  })
}
