// The checks every process makes before it touches the log, in a module of its own so that the
// commands that do not serve HTTP (export, relay, ...) load no more than they need.
import { PROJECTIONS } from '../../projections/index.js'
import type { Config } from '../config.js'
import { assertXidHorizon } from '../eventstore/reader.js'
import { ensureProjectionSchemas } from '../projector/schema.js'
import type { Database } from './database.js'
import { migrateToLatest } from './migrate.js'

/** Applies migrations in embedded mode; ensures the projections' schemas; checks the xid horizon. */
export async function prepareDatabase(config: Config, database: Database): Promise<void> {
  if (database.kind === 'pglite' || !config.DATABASE_URL) await migrateToLatest(database.db)
  await ensureProjectionSchemas(database.db, PROJECTIONS)
  await assertXidHorizon(database.db)
}
