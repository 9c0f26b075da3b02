// Test databases. Each test file gets its own PostgreSQL database on the shared server (files run
// in parallel processes and must not see each other's events), and an in-memory PGlite, so that
// every integration test proves both modes run the same code.
import { randomBytes } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import pg from 'pg'
import type { Test } from 'tap'
import { type Database, openPglite, openPostgres } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import type { DB } from '../../src/db/tables.js'
import { START } from '../../src/eventstore/position.js'
import { readLog, type StoredEvent } from '../../src/eventstore/reader.js'

export const ADMIN_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export type Backend = 'postgres' | 'pglite'

async function postgresReachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    return undefined
  } catch (err) {
    return (err as Error).message
  } finally {
    await client.end().catch(() => {})
  }
}

/** A fresh, empty PostgreSQL database; its URL. Dropped when the test ends. */
export async function createPostgresDatabase(t: Test): Promise<string> {
  const name = `rl_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  t.teardown(async () => {
    const c = new pg.Client({ connectionString: ADMIN_URL })
    await c.connect()
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await c.end()
  })
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return url.toString()
}

/** Opens a migrated database of the given kind, closed when the test ends. */
export async function openTestDatabase(t: Test, backend: Backend, url?: string): Promise<Database> {
  const database =
    backend === 'postgres'
      ? openPostgres(url ?? (await createPostgresDatabase(t)), 20)
      : await openPglite(undefined)
  t.teardown(() => database.close())
  await migrateToLatest(database.db)
  return database
}

/**
 * Runs `body` once on PostgreSQL and once on PGlite. Without a reachable PostgreSQL the PostgreSQL
 * half is skipped, except under CI=true, where it fails: CI must never pass by skipping.
 */
export async function forEachBackend(
  t: Test,
  body: (t: Test, database: Database, backend: Backend) => Promise<void>,
): Promise<void> {
  const unreachable = await postgresReachable()
  const required = process.env.CI === 'true'
  const skip = unreachable && !required ? `PostgreSQL unreachable: ${unreachable}` : false
  await t.test('on PostgreSQL', { skip }, async (t) => {
    if (unreachable) {
      t.fail(`PostgreSQL is required under CI: ${unreachable}`)
      return
    }
    await body(t, await openTestDatabase(t, 'postgres'), 'postgres')
  })
  await t.test('on PGlite', async (t) => body(t, await openTestDatabase(t, 'pglite'), 'pglite'))
}

/**
 * The whole log once every committed event is readable. The reader's xid gate is cluster-wide, so
 * a transaction in another test's database can hold back events this test has already committed.
 */
export async function settledLog(db: Kysely<DB>, deadlineMs = 20_000): Promise<StoredEvent[]> {
  const start = Date.now()
  for (;;) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(db)
    const log = await readLog(db, { after: START, limit: 1_000_000 })
    if (log.length === rows[0]!.n) return log
    if (Date.now() - start > deadlineMs) {
      throw new Error(`only ${log.length} of ${rows[0]!.n} events readable after ${deadlineMs} ms`)
    }
    await new Promise((r) => setTimeout(r, 20))
  }
}
