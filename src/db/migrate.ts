// Applies migrations/ in order. Safe to run again (Kysely records what ran) and from several
// processes at once: a session-level advisory lock is held across the whole run, including the
// creation of Kysely's own bookkeeping tables, which would otherwise race.
import { readdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { type Kysely, type Migration, type MigrationResult, Migrator } from 'kysely'
import { withSessionLock } from './session-lock.js'

const MIGRATE_LOCK = 0x72_6c_6d_69 // 'rlmi'

export const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), '../../migrations')

async function loadMigrations(dir: string): Promise<Record<string, Migration>> {
  const files = (await readdir(dir))
    .filter((f) => /^\d{14}_[a-z0-9_]+\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
    .sort()
  const out: Record<string, Migration> = {}
  for (const file of files) {
    out[file.replace(/\.(ts|js)$/, '')] = await import(pathToFileURL(join(dir, file)).href)
  }
  return out
}

export interface MigrateOutcome {
  applied: string[]
}

// Migrations see the database untyped, as it was when they were written.
export async function migrateToLatest(
  db: Kysely<any>,
  dir = migrationsDir,
): Promise<MigrateOutcome> {
  const migrations = await loadMigrations(dir)
  return withSessionLock(db, MIGRATE_LOCK, async (conn) => {
    const migrator = new Migrator({
      db: conn,
      provider: { getMigrations: async () => migrations },
    })
    const { error, results } = await migrator.migrateToLatest()
    if (error) throw error
    return {
      applied: (results ?? [])
        .filter((r: MigrationResult) => r.status === 'Success')
        .map((r) => r.migrationName),
    }
  })
}
