// One Kysely instance per process: over a pg Pool when DATABASE_URL is set, over embedded PGlite
// in DATA_DIR otherwise. Everything above this file is the same code for both.
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Config } from '../config.js'
import { INT8_OID, parseInt8 } from './int8.js'
import { acquireDirLock, type DirLock } from './lock-file.js'
import type { DB } from './tables.js'

export type DbKind = 'postgres' | 'pglite'

export interface Database {
  readonly db: Kysely<DB>
  readonly kind: DbKind
  /** The embedded engine, for LISTEN in embedded mode; undefined on PostgreSQL. */
  readonly pglite?: PGlite
  /** The pg pool, for LISTEN and cursors on PostgreSQL; undefined in embedded mode. */
  readonly pool?: pg.Pool
  close(): Promise<void>
}

const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

/** Closing twice (a test's teardown after an explicit close) is a no-op, not a hang. */
function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined
  return () => {
    closing ??= close()
    return closing
  }
}

/**
 * Embedded databases: one connection, opened by one process only (the data directory's lock
 * file). Whatever such a database holds, this process holds alone, and a connection cannot be
 * pinned while others are used (the dialect queues every other query behind it).
 */
const embedded = new WeakSet<Kysely<DB>>()
export const isEmbedded = (db: Kysely<DB>): boolean => embedded.has(db)

/** The pg pool under a Kysely instance on PostgreSQL, for what Kysely cannot do (COPY). */
const pools = new WeakMap<Kysely<DB>, pg.Pool>()
export const poolOf = (db: Kysely<DB>): pg.Pool | undefined => pools.get(db)

export function openPostgres(url: string, poolMax = 10): Database {
  // Bounds the cost of a forgotten transaction: the log reader cannot pass an open one (DESIGN.md).
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    types: pgTypes,
    idle_in_transaction_session_timeout: 30_000,
  })
  // An idle client's error (the server went away) must not crash the process; the next query fails.
  pool.on('error', () => {})
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
  pools.set(db, pool)
  return { db, kind: 'postgres', pool, close: once(() => db.destroy()) }
}

export async function openPglite(dataDir: string | undefined): Promise<Database> {
  let lock: DirLock | undefined
  let dir: string | undefined
  if (dataDir !== undefined) {
    mkdirSync(dataDir, { recursive: true })
    // PGlite silently loses committed rows when two processes share a directory: refuse instead.
    lock = acquireDirLock(resolve(dataDir))
    dir = join(dataDir, 'pglite')
  }
  try {
    // Loaded only here: a process on PostgreSQL never needs the embedded engine in its memory.
    const [{ PGlite }, { PGliteDialect }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('kysely-pglite-dialect'),
    ])
    const pglite = await PGlite.create({ dataDir: dir, parsers: { [INT8_OID]: parseInt8 } })
    const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) })
    embedded.add(db)
    return {
      db,
      kind: 'pglite',
      pglite,
      close: once(async () => {
        await db.destroy()
        lock?.release()
      }),
    }
  } catch (err) {
    lock?.release()
    throw err
  }
}

export function openDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'DB_POOL_MAX'>) {
  return config.DATABASE_URL
    ? Promise.resolve(openPostgres(config.DATABASE_URL, config.DB_POOL_MAX))
    : openPglite(config.DATA_DIR)
}
